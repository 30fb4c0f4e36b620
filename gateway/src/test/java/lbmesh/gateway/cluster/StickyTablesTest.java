package lbmesh.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.Test;

class StickyTablesTest {
  static final int CLIENTS = 1000;

  private static Pool sticky(String mode) {
    return Pool.fromJson(Pool.defaults("default").toJson().put("algorithm", "round-robin")
        .put("sticky", new JsonObject().put("mode", mode).put("ttlSeconds", 600)));
  }

  /** One request per client through `g`, in parallel batches; returns client to server. */
  private static Map<Integer, String> round(MeshHarness m, MeshHarness.Gateway g, int clients) throws Exception {
    Map<Integer, String> out = new HashMap<>();
    for (int from = 0; from < clients; from += 100) {
      List<Future<MeshHarness.Reply>> batch = new ArrayList<>();
      for (int c = from; c < Math.min(clients, from + 100); c++) {
        batch.add(m.get(g, "/", Map.of("X-Client", "client-" + c)));
      }
      Future.all(batch).await(60, TimeUnit.SECONDS);
      for (int i = 0; i < batch.size(); i++) {
        MeshHarness.Reply r = batch.get(i).result();
        assertEquals(200, r.status());
        out.put(from + i, r.server());
      }
    }
    return out;
  }

  @Test
  void clientsStayOnOneServerAcrossGatewaysThroughAGatewayCrashAndMoveOnceWhenTheirServerGoes() throws Exception {
    try (MeshHarness m = new MeshHarness().startRegistry("dc1")) {
      DemoBackend[] bs = {m.backend(), m.backend(), m.backend()};
      MeshHarness.Gateway a = m.gateway("dc1", 100);
      MeshHarness.Gateway b = m.gateway("dc1", 100);
      m.pool(sticky("header:X-Client"));
      for (DemoBackend x : bs) {
        m.server("default", MeshHarness.server(x, "dc1", Server.State.READY, 0));
      }
      m.awaitTables();

      Map<Integer, String> first = round(m, a, CLIENTS);
      assertEquals(3, new HashSet<>(first.values()).size(), "round robin spread the first requests");
      for (int r = 0; r < 3; r++) {
        assertEquals(first, round(m, r % 2 == 0 ? b : a, CLIENTS), "alternating gateways, every client stays");
      }

      m.crash(a);
      assertEquals(first, round(m, b, CLIENTS), "after gateway A died every client keeps its server through B");

      String gone = bs[0].id();
      m.server("default", MeshHarness.server(bs[0], "dc1", Server.State.MAINT, 0));
      m.awaitTables();
      Map<Integer, String> moved = round(m, b, CLIENTS);
      for (var e : first.entrySet()) {
        if (e.getValue().equals(gone)) {
          assertNotEquals(gone, moved.get(e.getKey()), "a client of the server in maintenance moved");
        } else {
          assertEquals(e.getValue(), moved.get(e.getKey()), "other clients did not move");
        }
      }
      assertEquals(moved, round(m, b, CLIENTS), "moved clients stay on their new server");
    }
  }

  /** A server registered where nothing listens: every connect to it is refused. */
  private static Server dead(int n) throws Exception {
    return Server.fromJson(new JsonObject().put("id", "dead-" + n).put("host", "127.0.0.1")
        .put("port", lbmesh.gateway.GatewayHarness.freePort()).put("dc", "dc1"));
  }

  @Test
  void clientsRedispatchedFromDeadServersStayOnTheServerThatAnsweredOnEveryGateway() throws Exception {
    try (MeshHarness m = new MeshHarness().startRegistry("dc1")) {
      DemoBackend[] bs = {m.backend(), m.backend(), m.backend()};
      MeshHarness.Gateway a = m.gateway("dc1", 100);
      MeshHarness.Gateway b = m.gateway("dc1", 100);
      m.pool(sticky("header:X-Client"));
      // dead servers between live ones, so round robin sends new clients to them and retries walk into them
      for (int i = 0; i < 3; i++) {
        m.server("default", MeshHarness.server(bs[i], "dc1", Server.State.READY, 0));
        m.server("default", dead(i));
      }
      m.awaitTables();
      int clients = 300;
      // round() asserts every answer is a 200: a refused connect never reaches the client
      Map<Integer, String> first = round(m, a, clients);
      Set<String> live = Set.of(bs[0].id(), bs[1].id(), bs[2].id());
      assertTrue(live.containsAll(first.values()), "only live servers answered: " + new HashSet<>(first.values()));
      for (int r = 0; r < 4; r++) {
        Map<Integer, String> next = round(m, r % 2 == 0 ? b : a, clients);
        int switched = 0;
        for (var e : first.entrySet()) {
          switched += e.getValue().equals(next.get(e.getKey())) ? 0 : 1;
        }
        assertEquals(0, switched, "clients that changed server in round " + (r + 2));
      }
      IMap<String, String> table = TestCluster.hz(a.vertx()).getMap(Addresses.STICK_MAP_PREFIX + "default");
      for (var e : first.entrySet()) {
        assertEquals(e.getValue(), lbmesh.shared.sticky.StickValue.decode(table.get("client-" + e.getKey())).server(),
            "the entry names the server that answered");
      }
    }
  }

  @Test
  void cookieModeIssuesAnOpaqueSignedCookieHonouredByEveryGatewayAndRejectsForgeries() throws Exception {
    try (MeshHarness m = new MeshHarness().startRegistry("dc1")) {
      DemoBackend[] bs = {m.backend(), m.backend(), m.backend()};
      MeshHarness.Gateway a = m.gateway("dc1", 100);
      MeshHarness.Gateway b = m.gateway("dc1", 100);
      m.pool(sticky("cookie"));
      for (DemoBackend x : bs) {
        m.server("default", MeshHarness.server(x, "dc1", Server.State.READY, 0));
      }
      m.awaitTables();
      Set<String> servers = new HashSet<>();
      for (int c = 0; c < 30; c++) {
        var first = m.client.request(io.vertx.core.http.HttpMethod.GET, a.port(), "127.0.0.1", "/")
            .compose(req -> req.send().compose(resp -> resp.body().map(x -> resp)))
            .await(10, TimeUnit.SECONDS);
        String setCookie = first.getHeader("Set-Cookie");
        assertTrue(setCookie != null && setCookie.startsWith("LBMESH="), "a cookie is issued: " + setCookie);
        String value = setCookie.substring("LBMESH=".length(), setCookie.indexOf(';'));
        String server = first.getHeader("X-LB-Server");
        servers.add(server);
        for (DemoBackend x : bs) {
          assertTrue(!value.contains(x.id()) && !value.contains(Integer.toString(x.port())), "names no server");
        }
        for (int i = 0; i < 4; i++) {
          assertEquals(server, m.getNow(i % 2 == 0 ? b : a, "/", Map.of("Cookie", "LBMESH=" + value)).server());
        }
      }
      assertEquals(3, servers.size());
      // a tampered cookie is a new client: it gets a new cookie instead of being trusted
      var forged = m.client.request(io.vertx.core.http.HttpMethod.GET, b.port(), "127.0.0.1", "/")
          .compose(req -> req.putHeader("Cookie", "LBMESH=AAAAAAAAAAAAAAAAAAAAAA.bogus").send()
              .compose(resp -> resp.body().map(x -> resp))).await(10, TimeUnit.SECONDS);
      assertTrue(forged.getHeader("Set-Cookie") != null, "a forged cookie is replaced");
    }
  }

  @Test
  void stickEntriesSurviveTheLossOfAWholeDataCenter() throws Exception {
    try (MeshHarness m = new MeshHarness().dcAware().startRegistry("dc1")) {
      DemoBackend[] dc1 = {m.backend(), m.backend()};
      DemoBackend[] dc2 = {m.backend(), m.backend()};
      MeshHarness.Gateway a = m.gateway("dc1", 100);
      MeshHarness.Gateway b = m.gateway("dc2", 100);
      m.pool(sticky("header:X-Client"));
      for (DemoBackend x : dc1) {
        m.server("default", MeshHarness.server(x, "dc1", Server.State.READY, 0));
      }
      for (DemoBackend x : dc2) {
        m.server("default", MeshHarness.server(x, "dc2", Server.State.READY, 0));
      }
      m.awaitTables();
      int clients = 200;
      Map<Integer, String> first = round(m, a, clients);
      assertEquals(first, round(m, b, clients), "entries made through dc1 hold on the dc2 gateway");
      lbmesh.shared.testing.Await.until(java.time.Duration.ofSeconds(20), "backups in place",
          () -> TestCluster.hz(b.vertx()).getPartitionService().isClusterSafe());

      // every dc1 member stops abruptly: the stand-in registry and gateway A
      m.crash(a);
      m.cluster.crash(m.registry);
      lbmesh.shared.testing.Await.until(java.time.Duration.ofSeconds(10), "dc1 gone",
          () -> TestCluster.hz(b.vertx()).getCluster().getMembers().size() == 1);
      IMap<String, String> table = TestCluster.hz(b.vertx()).getMap(Addresses.STICK_MAP_PREFIX + "default");
      assertEquals(clients, table.size(), "the dc2 side still has every stick entry");
      assertEquals(first, round(m, b, clients), "and its clients stay on their servers");
    }
  }
}
