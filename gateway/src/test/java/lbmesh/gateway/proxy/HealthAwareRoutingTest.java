package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import lbmesh.gateway.route.ServerSlot;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.Pool;
import lbmesh.shared.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthAwareRoutingTest {
  private final GatewayHarness h = new GatewayHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private void verdict(EventType type, DemoBackend b, String status, long since, Integer weightPercent) {
    HealthRecord r = new HealthRecord("default", b.id(), status, "test", since, weightPercent, null, "health-test");
    h.vertx.eventBus().publish(Addresses.EVENTS, Event.of(type, "health-test", "dc1", r.toJson()).toJson());
  }

  private ServerSlot slot(DemoBackend b) {
    return h.gateway.state().table().pools().get("default").byId(b.id());
  }

  @Test
  void aServerReportedDownGetsNoTrafficAndComesBackWhenUp() throws Exception {
    DemoBackend a = h.backend();
    DemoBackend b = h.backend();
    h.start();
    h.defaultPool("round-robin", a, b);
    h.awaitTable();
    verdict(EventType.HEALTH_DOWN, b, HealthRecord.DOWN, System.currentTimeMillis(), null);
    Await.until(Duration.ofSeconds(5), "b down in the table", () -> !slot(b).takesNewRequests());
    for (int i = 0; i < 10; i++) {
      assertEquals(a.id(), h.get("/").header("X-LB-Server"));
    }
    verdict(EventType.HEALTH_UP, b, HealthRecord.UP, 0, null);
    Await.until(Duration.ofSeconds(5), "b up in the table", () -> slot(b).takesNewRequests());
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      counts.merge(h.get("/").header("X-LB-Server"), 1, Integer::sum);
    }
    assertEquals(Map.of(a.id(), 5, b.id(), 5), counts);
  }

  @Test
  void anActiveCheckFindingAnEjectedServerUpEndsItsEjection() throws Exception {
    DemoBackend a = h.backend();
    DemoBackend b = h.backend();
    h.start();
    h.defaultPool("round-robin", a, b);
    h.awaitTable();
    var pool = h.gateway.state().table().pools().get("default");
    long now = System.currentTimeMillis();
    long ejectedFor = 0;
    for (int i = 0; i < 20 && ejectedFor == 0; i++) {
      ejectedFor = lbmesh.gateway.health.OutlierDetector.failure(slot(b).stats(), pool.pool().outlier(),
          pool.allStats(), now);
    }
    assertTrue(ejectedFor >= 10_000, "ejected for " + ejectedFor + " ms");
    for (int i = 0; i < 6; i++) {
      assertEquals(a.id(), h.get("/").header("X-LB-Server"), "b is ejected");
    }
    verdict(EventType.HEALTH_UP, b, HealthRecord.UP, 0, null);
    Await.until(Duration.ofSeconds(5), "b back", () -> !slot(b).stats().isEjected(System.currentTimeMillis()));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      counts.merge(h.get("/").header("X-LB-Server"), 1, Integer::sum);
    }
    assertEquals(Map.of(a.id(), 5, b.id(), 5), counts);
    assertEquals(1, slot(b).stats().ejections(), "the ejection still counts towards the next one's length");
  }

  @Test
  void aRecoveredServerRampsUpOverSlowStartAndAgentPercentScalesWeight() throws Exception {
    DemoBackend a = h.backend();
    DemoBackend b = h.backend();
    h.start();
    h.pool(Pool.fromJson(Pool.defaults("default").toJson().put("algorithm", "weighted-round-robin")
        .put("slowStartSeconds", 3)));
    h.server("default", GatewayHarness.server(a, 10));
    h.server("default", GatewayHarness.server(b, 10));
    h.awaitTable();
    verdict(EventType.LOAD_CHANGED, a, HealthRecord.UP, 1, 50);
    Await.until(Duration.ofSeconds(5), "agent 50 % applied", () -> slot(a).effectiveWeight() == 500);

    long t0 = System.currentTimeMillis();
    verdict(EventType.HEALTH_UP, b, HealthRecord.UP, t0, null);
    Await.until(Duration.ofSeconds(5), "b ramping", () -> slot(b).effectiveWeight() < 1000);
    int early = slot(b).effectiveWeight();
    Await.until(Duration.ofSeconds(5), "b ramped further", () -> slot(b).effectiveWeight() > early);
    int later = slot(b).effectiveWeight();
    Await.until(Duration.ofSeconds(6), "b at full weight", () -> slot(b).effectiveWeight() == 1000);
    System.out.printf("slow start over 3 s: effective weight %d -> %d -> 1000%n", early, later);
    assertTrue(early >= 100 && early < later && later <= 1000);
  }

  @Test
  void aLoadReportPushedThroughTheRegistryScalesTheWeight() throws Exception {
    DemoBackend a = h.backend();
    h.start();
    h.defaultPool("weighted-round-robin", a);
    h.awaitTable();
    h.vertx.eventBus().publish(Addresses.EVENTS, Event.of(EventType.LOAD_CHANGED, "registry-test", "dc1",
        new JsonObject().put("pool", "default").put("id", a.id()).put("weightPercent", 25).put("source", "push"))
        .toJson());
    Await.until(Duration.ofSeconds(5), "pushed 25 %", () -> slot(a).effectiveWeight() == 25);
    assertTrue(slot(a).takesNewRequests(), "a load report alone does not make a server down");
  }

  @Test
  void weightsFollowRegistryAgentAndSlowStartTogether() {
    var s = lbmesh.shared.model.Server.fromJson(new JsonObject().put("id", "x").put("host", "h").put("port", 1)
        .put("weight", 4));
    long now = 100_000;
    assertEquals(400, lbmesh.gateway.route.RoutingTable.effectiveWeight(s, null, 10, now));
    var half = new HealthRecord("p", "x", "up", null, 0, 50, null, null);
    assertEquals(200, lbmesh.gateway.route.RoutingTable.effectiveWeight(s, half, 10, now));
    var fresh = new HealthRecord("p", "x", "up", null, now - 5_000, null, null, null);
    assertEquals(200, lbmesh.gateway.route.RoutingTable.effectiveWeight(s, fresh, 10, now), "half way through 10 s");
  }
}
