package lbmesh.gateway.admin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import lbmesh.gateway.GatewayState;
import lbmesh.gateway.route.PoolTable;
import lbmesh.gateway.route.RoutingTable;
import lbmesh.gateway.route.ServerSlot;
import lbmesh.shared.inflight.InflightBoard;

/** The gateway's {@code /status}: its routing table with effective weights, local in-flight and ejections. */
public final class StatusView {
  private StatusView() {
  }

  public static JsonObject build(GatewayState state, InflightBoard board, JsonObject base) {
    RoutingTable t = state.table();
    long now = System.currentTimeMillis();
    JsonArray pools = new JsonArray();
    for (PoolTable p : t.pools().values()) {
      JsonArray servers = new JsonArray();
      for (ServerSlot s : p.all()) {
        var st = s.stats();
        double latency = st.latencyMillis();
        servers.add(new JsonObject()
            .put("id", s.id())
            .put("host", s.server().host())
            .put("port", s.server().port())
            .put("state", s.server().state().wire())
            .put("weight", s.server().weight())
            .put("effectiveWeight", s.takesNewRequests()
                ? Math.round(s.effectiveWeight() * 100.0 / PoolTable.WEIGHT_SCALE) / 100.0 : 0)
            .put("health", s.health() == null ? "unknown" : s.health().status())
            .put("maxConnections", s.server().maxConnections())
            .put("inflight", inflight(state, board, st))
            .put("ejected", st.isEjected(now))
            .put("ejectedForMs", Math.max(0, st.ejectedUntil() - now))
            .put("ejections", st.ejections())
            .put("requests", st.requests())
            .put("failures", st.failures())
            .put("latencyMs", Double.isNaN(latency) ? null : Math.round(latency * 100) / 100.0));
      }
      pools.add(new JsonObject().put("name", p.name()).put("algorithm", p.pool().algorithm())
          .put("retries", p.pool().retries()).put("servers", servers));
    }
    JsonArray routes = new JsonArray();
    t.routes().forEach(r -> routes.add(r.toJson()));
    return base.put("shareIntervalMs", state.config().shareIntervalMs())
        .put("peers", new JsonArray(new java.util.ArrayList<>(board.gateways())))
        .put("registryVersion", t.version()).put("activeRequests", state.retryBudget().active())
        .put("routes", routes).put("pools", pools);
  }

  /** A server's in-flight counts: this gateway's exact one, the cluster-wide total and each gateway's part. */
  static JsonObject inflight(GatewayState state, InflightBoard board, lbmesh.gateway.health.ServerStats st) {
    JsonObject by = new JsonObject().put(state.nodeId(), st.inflight());
    board.byGateway(RoutingTable.statsKey(st.pool(), st.id())).forEach(by::put);
    return new JsonObject().put("local", st.inflight()).put("total", st.clusterInflight()).put("byGateway", by);
  }
}
