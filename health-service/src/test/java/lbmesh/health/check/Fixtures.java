package lbmesh.health.check;

import java.util.List;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;

/** Servers and check settings for the probe tests. */
final class Fixtures {
  static final String HOST = "127.0.0.1";

  private Fixtures() {
  }

  static Server server(int port, Integer agentPort) {
    return new Server("s1", HOST, port, 1, "dc1", null, agentPort, 0, List.of(), Server.State.READY, 0);
  }

  /** A loopback port that nothing listens on (bound once, then closed). */
  static int closedPort() throws java.io.IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(HOST))) {
      return s.getLocalPort();
    }
  }

  /** A killed backend refuses connections; in the listener's last moments it may reset one instead. */
  static boolean refusedOrReset(String reason) {
    return "connection refused".equals(reason) || "connection reset".equals(reason);
  }

  static Pool.HealthCheck check(String type, String method, String path, String expectStatus, String bodyContains,
      int timeoutMs) {
    return new Pool.HealthCheck(type, method, path, expectStatus, bodyContains, 2000, timeoutMs, 2, 3, 500, 2000, 10);
  }

  static Pool.HealthCheck http(String path, String expectStatus, String bodyContains) {
    return check("http", "GET", path, expectStatus, bodyContains, 2000);
  }
}
