package lbmesh.gateway.route;

import io.vertx.core.net.SocketAddress;
import lbmesh.gateway.health.ServerStats;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.Server;

/**
 * One server in the routing table: its registry record, resolved address, live stats, its health as
 * health-service last reported it (null: no verdict yet) and the effective weight the balancer uses.
 * The record's {@code maxConnections} is the limit in force (see {@link #withLimitInForce}), so every
 * check of it ({@link #hasRoom}, the proxy's {@code tryBegin}) enforces the agent's limit too.
 */
public record ServerSlot(Server server, SocketAddress address, ServerStats stats, HealthRecord health,
    int effectiveWeight) {

  /** Takes new requests: `ready` by the registry and by its agent, not reported down. */
  public boolean takesNewRequests() {
    return server.state() == Server.State.READY && (health == null
        || (!health.isDown() && (health.agentState() == null || "ready".equals(health.agentState()))));
  }

  /** Has room for one more request now: not ejected, and under maxConnections cluster-wide. */
  public boolean hasRoom(long now) {
    int max = server.maxConnections();
    return !stats.isEjected(now) && (max <= 0 || stats.clusterInflight() < max);
  }

  /**
   * The server as the table holds it: {@code maxConnections} lowered to its agent's {@code maxconn:N}
   * when that is lower (0 on either side means no limit, as in HAProxy).
   */
  public static Server withLimitInForce(Server s, HealthRecord h) {
    int limit = HealthRecord.maxConnectionsInForce(s.maxConnections(), h);
    if (limit == s.maxConnections()) {
      return s;
    }
    return new Server(s.id(), s.host(), s.port(), s.weight(), s.dc(), s.zone(), s.agentPort(), limit, s.tags(),
        s.state(), s.version());
  }

  /** May keep its sticky clients: as above, or draining (by the registry or its agent). */
  public boolean keepsStickyClients() {
    if (health != null && (health.isDown() || "maint".equals(health.agentState()))) {
      return false;
    }
    return server.state() == Server.State.READY || server.state() == Server.State.DRAIN;
  }

  public String id() {
    return server.id();
  }
}
