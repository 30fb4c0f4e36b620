package lbmesh.gateway.route;

import io.vertx.core.net.SocketAddress;
import lbmesh.gateway.health.ServerStats;
import lbmesh.shared.model.Server;

/** One server in the routing table: its registry record, resolved address and live stats. */
public record ServerSlot(Server server, SocketAddress address, ServerStats stats) {

  public String id() {
    return server.id();
  }
}
