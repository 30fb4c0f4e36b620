package lbmesh.systest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sticky clients stay on their server when the pool also holds servers that nothing listens on (and no
 * active health check marks them down): pool {@code default} with the three demo backends plus 1 or 3 dead
 * servers (and, as a control, none); 15 clients x 8 requests, each client alternating gateway 1 and gateway 2 and carrying its own
 * cookie (cookie mode) or its own source address 127.0.x.y (source-ip mode). Every request must succeed and
 * every client must see the server of its first answer on every later request, on both gateways.
 */
@Order(3)
@ExtendWith(MeshExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StickyWithDeadServersSystemTest {
  private static final int CLIENTS = 15;
  private static final int REQUESTS = 8;
  private static final int TIMEOUT_MS = 10_000;
  private static final String POOL = "default";

  private final List<String> deadIds = new ArrayList<>();

  /** The control: without dead servers, stickiness across the two gateways holds. */
  @Test
  @Order(1)
  void cookieClientsStayPutWithNoDeadServer(Mesh mesh) throws Exception {
    run(mesh, "cookie", 0, 1);
  }

  @Test
  @Order(2)
  void cookieClientsStayPutWithOneDeadServer(Mesh mesh) throws Exception {
    run(mesh, "cookie", 1, 2);
  }

  @Test
  @Order(3)
  void cookieClientsStayPutWithThreeDeadServers(Mesh mesh) throws Exception {
    run(mesh, "cookie", 3, 3);
  }

  @Test
  @Order(4)
  void sourceIpClientsStayPutWithNoDeadServer(Mesh mesh) throws Exception {
    run(mesh, "source-ip", 0, 4);
  }

  @Test
  @Order(5)
  void sourceIpClientsStayPutWithOneDeadServer(Mesh mesh) throws Exception {
    run(mesh, "source-ip", 1, 5);
  }

  @Test
  @Order(6)
  void sourceIpClientsStayPutWithThreeDeadServers(Mesh mesh) throws Exception {
    run(mesh, "source-ip", 3, 6);
  }

  @AfterEach
  void removeDeadServers(Mesh mesh) {
    for (String id : deadIds) {
      mesh.api("DELETE", "/pools/" + POOL + "/servers/" + id, null);
    }
    deadIds.clear();
  }

  /** Back to what ./mesh up registered: no stickiness, the HTTP health check. */
  @AfterAll
  static void restorePool(Mesh mesh) {
    mesh.api("PATCH", "/pools/" + POOL, "{\"sticky\":{\"mode\":\"none\"},\"healthCheck\":{\"type\":\"http\",\"path\":\"/health\"}}");
    mesh.awaitGatewaysCaughtUp();
  }

  /**
   * One run: {@code dead} dead servers (ids and ports unique to the run, so no passive-health state of an
   * earlier run helps), clients from addresses 127.0.{run}.x in source-ip mode (so no stick entry of an
   * earlier run helps either).
   */
  private void run(Mesh mesh, String mode, int dead, int run) throws Exception {
    mesh.apiOk("PATCH", "/pools/" + POOL, "{\"sticky\":{\"mode\":\"" + mode + "\"},\"healthCheck\":{\"type\":\"none\"}}");
    for (int i = 0; i < dead; i++) {
      int port = Mesh.DEAD_PORT + run * 10 + i;
      assertNothingListensOn(port);
      String id = "dead-" + run + "-" + i;
      mesh.apiOk("PUT", "/pools/" + POOL + "/servers/" + id, "{\"host\":\"" + Mesh.HOST + "\",\"port\":" + port + "}");
      deadIds.add(id);
    }
    mesh.awaitGatewaysCaughtUp();
    for (int g = 1; g <= 2; g++) {
      JsonObject pool = mesh.gatewayPool(g, POOL);
      String servers = pool.getJsonArray("servers").encode();
      for (String id : deadIds) {
        assertTrue(servers.contains("\"" + id + "\""), "gateway-" + g + " routes to " + id + ": " + servers);
      }
    }
    Map<String, long[]> before = deadServerCounters(mesh);

    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    List<Future<ClientRun>> futures = new ArrayList<>();
    long t0 = System.nanoTime();
    try {
      for (int c = 0; c < CLIENTS; c++) {
        InetAddress source = mode.equals("source-ip")
            ? InetAddress.getByAddress(new byte[] {127, 0, (byte) run, (byte) (10 + c)}) : null;
        int first = 1 + c % 2;
        futures.add(pool.submit(() -> client(mode, source, first)));
      }
      pool.shutdown();
      assertTrue(pool.awaitTermination(120, TimeUnit.SECONDS), "clients did not finish within 120 s");
    } finally {
      pool.shutdownNow();
    }
    long tookMs = Mesh.ms(t0);

    int switches = 0;
    int failures = 0;
    int switchedClients = 0;
    int cookieClients = 0;
    Map<String, Integer> firstAnswers = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      ClientRun r = futures.get(c).get();
      switches += r.switches;
      failures += r.failures;
      if (r.switches > 0) {
        switchedClients++;
      }
      firstAnswers.merge(String.valueOf(r.first), 1, Integer::sum);
      if (r.gotCookie) {
        cookieClients++;
      }
      if (r.switches > 0 || r.failures > 0) {
        problems.add("client " + c + ": " + r.trace);
      }
    }
    Map<String, long[]> after = deadServerCounters(mesh);
    StringBuilder deadTraffic = new StringBuilder();
    for (String id : deadIds) {
      long[] b = before.getOrDefault(id, new long[2]);
      long[] a = after.getOrDefault(id, new long[2]);
      deadTraffic.append(id).append(": ").append(a[0] - b[0]).append(" requests/").append(a[1] - b[1]).append(" failures; ");
    }
    String summary = String.format("sticky %s, %d dead: %d switches (%d of %d clients), %d failed of %d requests,"
            + " in %d ms; first answers %s; dead servers per both gateways' /status: %s",
        mode, dead, switches, switchedClients, CLIENTS, failures, CLIENTS * REQUESTS, tookMs, firstAnswers, deadTraffic);
    Mesh.log(summary + (problems.isEmpty() ? "" : "\n  " + String.join("\n  ", problems)));

    assertEquals(0, failures, "failed requests; " + summary + "\n  " + String.join("\n  ", problems));
    assertEquals(0, switches, "server switches; " + summary + "\n  " + String.join("\n  ", problems));
    if (mode.equals("cookie")) {
      assertEquals(CLIENTS, cookieClients, "clients that were given a sticky cookie; " + summary);
    }
  }

  /** One client: REQUESTS requests alternating the gateways, starting on {@code firstGateway}. */
  private static ClientRun client(String mode, InetAddress source, int firstGateway) {
    ClientRun r = new ClientRun();
    Map<String, String> cookies = new LinkedHashMap<>();
    for (int i = 0; i < REQUESTS; i++) {
      int g = 1 + (firstGateway - 1 + i) % 2;
      Map<String, String> headers = new LinkedHashMap<>();
      if (mode.equals("cookie") && !cookies.isEmpty()) {
        headers.put("Cookie", String.join("; ", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
      }
      String server;
      try {
        Answer a = RawHttp.get(source, Mesh.gatewayPort(g), "/sticky/" + i, headers, TIMEOUT_MS);
        if (mode.equals("cookie")) {
          for (String sc : a.headerValues("Set-Cookie")) {
            String pair = sc.split(";", 2)[0];
            int eq = pair.indexOf('=');
            if (eq > 0) {
              r.gotCookie = true;
              cookies.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
          }
        }
        if (!a.ok()) {
          r.failures++;
          r.trace.add("g" + g + ":" + a.status());
          continue;
        }
        server = a.server() != null ? a.server() : a.header("X-Backend-Id");
      } catch (IOException e) {
        r.failures++;
        r.trace.add("g" + g + ":" + e.getClass().getSimpleName());
        continue;
      }
      r.trace.add("g" + g + ":" + server);
      if (r.first == null) {
        r.first = server;
      } else if (!r.first.equals(server)) {
        r.switches++;
      }
    }
    return r;
  }

  /** id -> {requests, failures} of the run's dead servers, summed over both gateways' /status. */
  private Map<String, long[]> deadServerCounters(Mesh mesh) {
    Map<String, long[]> counts = new TreeMap<>();
    Set<String> ids = new HashSet<>(deadIds);
    for (int g = 1; g <= 2; g++) {
      JsonArray servers = mesh.gatewayPool(g, POOL).getJsonArray("servers");
      for (int i = 0; i < servers.size(); i++) {
        JsonObject s = servers.getJsonObject(i);
        if (ids.contains(s.getString("id"))) {
          long[] c = counts.computeIfAbsent(s.getString("id"), k -> new long[2]);
          c[0] += s.getLong("requests", 0L);
          c[1] += s.getLong("failures", 0L);
        }
      }
    }
    return counts;
  }

  private static void assertNothingListensOn(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(Mesh.HOST, port), 1000);
      throw new AssertionError("something listens on " + Mesh.HOST + ":" + port + "; the suite needs it free");
    } catch (ConnectException expected) {
      // refused: nothing there, as a dead server should be
    } catch (IOException e) {
      throw new AssertionError("probing " + Mesh.HOST + ":" + port + ": " + e, e);
    }
  }

  /** What one client saw. */
  private static final class ClientRun {
    String first;
    int switches;
    int failures;
    boolean gotCookie;
    final List<String> trace = new ArrayList<>();
  }
}
