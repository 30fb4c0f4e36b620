package lbmesh.gateway.sticky;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import lbmesh.shared.model.Pool;

/**
 * Stick-entry TTL through a gateway, for any stick store: two clients stuck to one server, which is
 * then drained (it keeps stuck clients and takes no new ones, so a client whose entry expired is seen
 * to be re-dispatched). One client keeps sending; the other goes idle. The active one must stay past
 * its TTL; the idle one's entry must go once its TTL is up.
 */
public final class StickTtlScenario {
  public static final String HEADER = "X-Client";
  /** The active client's think time between requests (pacing a client, not synchronisation). */
  static final long THINK_MS = 200;

  /** What the scenario needs from a harness. */
  public interface Gateway {
    /** The server that answered a GET carrying {@code X-Client: client}. */
    String get(String client) throws Exception;

    /** The client's stick entry as the gateway sees it (its store, near cache first), or null. */
    String entry(String client) throws Exception;

    /** The client's entry in the table itself (the owner's copy, no cache), or null. */
    String tableEntry(String client) throws Exception;

    /** Sets this server to drain and waits until the gateway's table has it. */
    void drain(String server) throws Exception;
  }

  /** When the idle client's entry went, in ms after its last request; -1: not within the run. */
  public record Result(long tableGoneMs, long gatewayGoneMs) {
  }

  /** The pool: round robin, sticky on the header with this TTL. */
  public static Pool pool(int ttlSeconds) {
    return Pool.fromJson(Pool.defaults(Pool.DEFAULT_POOL).toJson().put("algorithm", "round-robin")
        .put("sticky", new JsonObject().put("mode", "header:" + HEADER).put("ttlSeconds", ttlSeconds)));
  }

  private static long since(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /**
   * Runs the scenario for {@code activeMs}. The active client must stay on its server throughout; the
   * idle client's entry must leave the table within the run. With {@code idleRedispatched}, the
   * gateway must also stop seeing it, and the idle client must then land on another server and stick.
   */
  public static Result run(Gateway g, long activeMs, boolean idleRedispatched) throws Exception {
    // two clients on one server (round robin over two servers puts clients 0 and 2 together)
    Map<String, String> byServer = new HashMap<>();
    String active = null;
    String idle = null;
    for (int c = 0; c < 6 && active == null; c++) {
      String client = "client-" + c;
      String other = byServer.putIfAbsent(g.get(client), client);
      if (other != null) {
        idle = other;
        active = client;
      }
    }
    assertNotNull(active, "two of six clients share a server: " + byServer);
    String stuck = g.get(active);
    g.drain(stuck);

    assertEquals(stuck, g.get(idle), "the idle client's last request: still on the draining server");
    long idleSince = System.nanoTime();
    assertEquals(stuck, g.get(active));
    long tableGone = -1;
    long gatewayGone = -1;
    int requests = 0;
    while (since(idleSince) < activeMs) {
      Thread.sleep(THINK_MS);
      requests++;
      assertEquals(stuck, g.get(active), "the active client stays on its server past its TTL (request " + requests
          + ", " + since(idleSince) + " ms)");
      if (tableGone < 0 && g.tableEntry(idle) == null) {
        tableGone = since(idleSince);
      }
      if (gatewayGone < 0 && g.entry(idle) == null) {
        gatewayGone = since(idleSince);
      }
    }
    assertNotNull(g.tableEntry(active), "the active client's entry is in the table");
    System.out.printf("stick TTL: idle entry gone from the table after %d ms, from the gateway's view after %d ms;"
        + " active client kept its server %d ms (%d requests)%n", tableGone, gatewayGone, activeMs, requests);
    assertTrue(tableGone >= 0, "the idle client's entry left the table within " + activeMs + " ms");
    if (idleRedispatched) {
      assertTrue(gatewayGone >= 0, "the gateway stopped seeing the idle client's entry within " + activeMs + " ms");
      String moved = g.get(idle);
      assertNotEquals(stuck, moved, "the idle client came back as new: not to the draining server");
      assertEquals(moved, g.get(idle), "and sticks to its new server");
    }
    assertEquals(stuck, g.get(active));
    return new Result(tableGone, gatewayGone);
  }
}
