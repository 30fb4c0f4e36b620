package lbmesh.gateway.route;

import io.vertx.core.net.SocketAddress;
import lbmesh.gateway.health.ServerStats;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.Server;

/**
 * One server in the routing table: its registry record, resolved address, live stats, its health as
 * health-service last reported it (null: no verdict yet) and the effective weight the balancer uses.
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
