package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A draining server at the gateway (DESIGN: "no new clients, sticky ones still served"), drained by
 * the registry ({@code state: drain}) or by its agent ({@code drain} on the agent port, as
 * health-service reports it). The pool is sticky on a header, so requests without it are plain traffic.
 */
class DrainTest {
  static final String HEADER = "X-Client";

  private final GatewayHarness h = new GatewayHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private String get(String client) throws Exception {
    GatewayHarness.Reply r = h.request(io.vertx.core.http.HttpMethod.GET, "/", null,
        client == null ? Map.of() : Map.of(HEADER, client));
    assertEquals(200, r.status(), r.body().toString());
    return r.header("X-LB-Server");
  }

  private Map<String, String> round(int from, int to) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (int c = from; c < to; c++) {
      out.put("client-" + c, get("client-" + c));
    }
    return out;
  }

  private void drain(String by, DemoBackend d) {
    if (by.equals("registry")) {
      h.server(Pool.DEFAULT_POOL, Server.fromJson(GatewayHarness.server(d, 1).toJson().put("state", "drain")));
      h.awaitTable();
    } else {
      HealthRecord r = new HealthRecord(Pool.DEFAULT_POOL, d.id(), HealthRecord.UP, "agent", 0, null, "drain",
          "health-test");
      h.vertx.eventBus().publish(Addresses.EVENTS, Event.of(EventType.LOAD_CHANGED, "health-test", "dc1",
          r.toJson()).toJson());
    }
    Await.until(Duration.ofSeconds(5), d.id() + " draining in the table", () -> {
      var slot = h.gateway.state().table().pools().get(Pool.DEFAULT_POOL).byId(d.id());
      return !slot.takesNewRequests() && slot.keepsStickyClients();
    });
  }

  @ParameterizedTest(name = "drained by the {0}")
  @ValueSource(strings = {"registry", "agent"})
  void aDrainingServerKeepsItsStickyClientsAndTakesNoNewClientsNorPlainTraffic(String by) throws Exception {
    DemoBackend a = h.backend();
    DemoBackend b = h.backend();
    h.start();
    h.pool(Pool.fromJson(Pool.defaults(Pool.DEFAULT_POOL).toJson().put("algorithm", "round-robin")
        .put("sticky", new JsonObject().put("mode", "header:" + HEADER).put("ttlSeconds", 600))));
    h.server(Pool.DEFAULT_POOL, GatewayHarness.server(a, 1));
    h.server(Pool.DEFAULT_POOL, GatewayHarness.server(b, 1));
    h.awaitTable();

    Map<String, String> stuck = round(0, 6);
    assertTrue(stuck.containsValue(a.id()) && stuck.containsValue(b.id()), "clients on both servers: " + stuck);
    drain(by, a);

    for (int r = 0; r < 3; r++) {
      assertEquals(stuck, round(0, 6), "every stuck client stays, those of the draining server too");
    }
    Map<String, String> fresh = round(100, 120);
    assertFalse(fresh.containsValue(a.id()), "no new client lands on the draining server: " + fresh);
    Map<String, Integer> plain = new HashMap<>();
    for (int i = 0; i < 20; i++) {
      plain.merge(get(null), 1, Integer::sum);
    }
    assertEquals(Map.of(b.id(), 20), plain, "plain traffic never lands on the draining server");
    assertEquals(fresh, round(100, 120), "the new clients stay where they landed");
    assertEquals(stuck, round(0, 6), "the draining server still serves its own clients");
  }
}
