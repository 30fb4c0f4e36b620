package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sticky mode {@code source-ip} over real sockets: each client connects from its own loopback address
 * (127.0.0.0/8 all reaches the gateway on Linux), one new connection per request, so only the address
 * can keep it on its server.
 */
class SourceIpStickyTest {
  static final int CLIENTS = 5;

  private final GatewayHarness h = new GatewayHarness();
  private final Map<String, HttpClient> clients = new LinkedHashMap<>();

  @AfterEach
  void close() {
    h.close();
  }

  /** The server that answered a GET from this source address. */
  private String from(String ip) throws Exception {
    HttpClient c = clients.computeIfAbsent(ip, a -> h.vertx.createHttpClient(
        new HttpClientOptions().setLocalAddress(a).setKeepAlive(false)));
    return c.request(HttpMethod.GET, h.config.httpPort(), "127.0.0.1", "/")
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> {
          assertEquals(200, resp.statusCode(), b.toString());
          assertEquals(ip, b.toJsonObject().getJsonObject("headers").getString("x-forwarded-for"), "the gateway saw the client's own address");
          return resp.getHeader("X-LB-Server");
        })))
        .await(10, TimeUnit.SECONDS);
  }

  private static String ip(int client) {
    return "127.0.0." + (client + 2);
  }

  /** One request from each client; client index to server. */
  private Map<Integer, String> round() throws Exception {
    Map<Integer, String> out = new LinkedHashMap<>();
    for (int c = 0; c < CLIENTS; c++) {
      out.put(c, from(ip(c)));
    }
    return out;
  }

  private DemoBackend[] start() throws Exception {
    DemoBackend[] bs = {h.backend(), h.backend(), h.backend()};
    h.start();
    // round robin spreads the first picks, so different addresses land on different servers
    h.pool(Pool.fromJson(Pool.defaults(Pool.DEFAULT_POOL).toJson().put("algorithm", "round-robin")
        .put("sticky", new JsonObject().put("mode", "source-ip").put("ttlSeconds", 600))));
    for (DemoBackend b : bs) {
      h.server(Pool.DEFAULT_POOL, GatewayHarness.server(b, 1));
    }
    h.awaitTable();
    return bs;
  }

  private static Server withState(DemoBackend b, Server.State st) {
    return Server.fromJson(GatewayHarness.server(b, 1).toJson().put("state", st.wire()));
  }

  @Test
  void eachSourceAddressKeepsItsServerAndMovesOnceWhenItGoesToMaintenance() throws Exception {
    DemoBackend[] bs = start();
    Map<Integer, String> first = round();
    assertEquals(3, new HashSet<>(first.values()).size(), "five addresses over three servers: " + first);
    for (int r = 0; r < 3; r++) {
      assertEquals(first, round(), "every address stays on its server, round " + r);
    }

    DemoBackend gone = bs[0];
    h.server(Pool.DEFAULT_POOL, withState(gone, Server.State.MAINT));
    h.awaitTable();
    Map<Integer, String> moved = round();
    int movers = 0;
    for (var e : first.entrySet()) {
      if (e.getValue().equals(gone.id())) {
        movers++;
        assertNotEquals(gone.id(), moved.get(e.getKey()), "client " + e.getKey() + " left the server in maint");
      } else {
        assertEquals(e.getValue(), moved.get(e.getKey()), "client " + e.getKey() + " did not move");
      }
    }
    assertTrue(movers > 0, "some client was on " + gone.id() + ": " + first);
    for (int r = 0; r < 3; r++) {
      assertEquals(moved, round(), "moved clients stay on their new server, round " + r);
    }
    // back from maintenance: nobody moves back (the entries now name the new servers)
    h.server(Pool.DEFAULT_POOL, withState(gone, Server.State.READY));
    h.awaitTable();
    assertEquals(moved, round(), "the stick table, not the balancer, decides for known clients");
  }

  @Test
  void aRemovedServerSendsItsClientsElsewhereOnceAndTheyStayThere() throws Exception {
    start();
    Map<Integer, String> first = round();
    String gone = first.get(0);
    h.removeServer(Pool.DEFAULT_POOL, gone);
    h.awaitTable();
    Map<Integer, String> moved = round();
    for (var e : first.entrySet()) {
      if (e.getValue().equals(gone)) {
        assertNotEquals(gone, moved.get(e.getKey()), "client " + e.getKey() + " left the removed server");
      } else {
        assertEquals(e.getValue(), moved.get(e.getKey()), "client " + e.getKey() + " did not move");
      }
    }
    for (int r = 0; r < 3; r++) {
      assertEquals(moved, round(), "moved clients stay on their new server, round " + r);
    }
  }
}
