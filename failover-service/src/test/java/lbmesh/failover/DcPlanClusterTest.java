package lbmesh.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.failover.DcPlan;
import lbmesh.shared.failover.FailoverMap;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import lbmesh.shared.testing.StandInRegistry;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DcPlanClusterTest {
  private final TestCluster cluster = new TestCluster();
  private final List<Event> seen = new CopyOnWriteArrayList<>();
  private final Map<Event, Long> arrived = new java.util.concurrent.ConcurrentHashMap<>();
  private Vertx observer;

  @AfterEach
  void close() {
    cluster.close();
  }

  private static Pool pool(String name, JsonObject locality) {
    return Pool.fromJson(Pool.defaults(name).toJson().put("locality", locality));
  }

  private static Server server(String id, String dc) {
    return Server.fromJson(new JsonObject().put("id", id).put("host", "10.0.0.1").put("port", 80).put("dc", dc));
  }

  private void health(String pool, String id, boolean up) {
    HealthRecord h = new HealthRecord(pool, id, up ? HealthRecord.UP : HealthRecord.DOWN, "test", 0, null, null, "t");
    observer.eventBus().publish(Addresses.EVENTS, Event.of(up ? EventType.HEALTH_UP : EventType.HEALTH_DOWN,
        "health-test", "dc1", h.toJson()).toJson());
  }

  private Optional<Event> plan(String pool, Predicate<Event> p) {
    return seen.stream().filter(e -> e.type().startsWith("dc.") && e.data().getString("pool").equals(pool)
        && p.test(e)).findFirst();
  }

  private Event awaitPlan(String pool, String what, Predicate<Event> p) {
    Await.until(Duration.ofSeconds(10), what, () -> plan(pool, p).isPresent());
    return plan(pool, p).orElseThrow();
  }

  private static Map<String, Double> from(Event e, String dc) {
    return DcPlan.fromJson(e.data().getJsonObject("plan")).sharesFrom(dc);
  }

  @Test
  void theLeaderSpillsLocalFirstTrafficAndFailsAnActiveStandbyPoolOverAndBackAfterTheDelay() throws Exception {
    observer = cluster.start("registry-service", "dc1");
    observer.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
      Event e = Event.fromJson(m.body());
      arrived.put(e, System.nanoTime());
      seen.add(e);
    }).completion().await(5, TimeUnit.SECONDS);
    StandInRegistry reg = new StandInRegistry(observer);
    cluster.start("gateway", "dc1");
    cluster.start("gateway", "dc2");
    ClusterSettings s = cluster.settings(FailoverMap.SERVICE, "dc1");
    FailoverVerticle failover = new FailoverVerticle(s, "127.0.0.1", 0);
    cluster.start(s).deployVerticle(failover).await(20, TimeUnit.SECONDS);

    reg.pool(pool("web", new JsonObject().put("mode", "local-first")));
    for (String id : List.of("a1", "a2", "a3")) {
      reg.server("web", server(id, "dc1"));
    }
    for (String id : List.of("b1", "b2", "b3")) {
      reg.server("web", server(id, "dc2"));
    }
    awaitPlan("web", "everything local", e -> Map.of("dc1", 1.0).equals(from(e, "dc1"))
        && Map.of("dc2", 1.0).equals(from(e, "dc2")));

    health("web", "a2", false);
    health("web", "a3", false);
    Event spill = awaitPlan("web", "dc1 spills", e -> e.type().equals("dc.failover")
        && from(e, "dc1").getOrDefault("dc2", 0.0) > 0.5);
    assertEquals(Map.of("dc1", 0.4667, "dc2", 0.5333), from(spill, "dc1"), "1.4 x 1/3 stays local");
    assertEquals(Map.of("dc2", 1.0), from(spill, "dc2"));
    assertTrue(spill.epoch() != null && spill.epoch() >= 1, "decisions carry the epoch");
    health("web", "a2", true);
    Event back = awaitPlan("web", "dc1 takes most back", e -> e.type().equals("dc.failback")
        && seen.indexOf(e) > seen.indexOf(spill));
    assertEquals(Map.of("dc1", 0.9333, "dc2", 0.0667), from(back, "dc1"));

    reg.pool(pool("db", new JsonObject().put("mode", "active-standby").put("primaryDc", "dc1")
        .put("failbackDelaySeconds", 1)));
    reg.server("db", server("p1", "dc1"));
    reg.server("db", server("s1", "dc2"));
    awaitPlan("db", "primary active", e -> "dc1".equals(e.data().getJsonObject("plan").getString("activeDc")));
    health("db", "p1", false);
    Event over = awaitPlan("db", "standby active", e -> e.type().equals("dc.failover"));
    assertEquals("dc2", over.data().getJsonObject("plan").getString("activeDc"));
    assertEquals(Map.of("dc2", 1.0), from(over, "dc1"));
    long upAt = System.nanoTime();
    health("db", "p1", true);
    Event failback = awaitPlan("db", "failback to the primary", e -> e.type().equals("dc.failback")
        && seen.indexOf(e) > seen.indexOf(over));
    long afterMs = (arrived.get(failback) - upAt) / 1_000_000;
    assertEquals("dc1", failback.data().getJsonObject("plan").getString("activeDc"));
    assertTrue(afterMs >= 1000, "failback waits failbackDelaySeconds of stable health: " + afterMs + " ms");
    System.out.println("active-standby failback after " + afterMs + " ms (delay 1 s)");

    String stored = (String) TestCluster.hz(observer).getMap(Addresses.FAILOVER_MAP).get(FailoverMap.planKey("db"));
    assertEquals(DcPlan.fromJson(failback.data().getJsonObject("plan")), DcPlan.fromJson(new JsonObject(stored)));

    // a pool removed from the registry loses its plan
    reg.silently(st -> st.withoutPool("web"));
    observer.eventBus().publish(Addresses.EVENTS, Event.of(EventType.POOL_REMOVED, "registry-test", "dc1",
        new JsonObject().put("name", "web")).withVersion(reg.version()).toJson());
    Await.until(Duration.ofSeconds(5), "plan/web removed",
        () -> TestCluster.hz(observer).getMap(Addresses.FAILOVER_MAP).get(FailoverMap.planKey("web")) == null);

    // the admin port: ready (cluster and quorum), and /status shows leader, epoch, roles and plans
    var client = io.vertx.ext.web.client.WebClient.create(observer);
    assertEquals(200, client.get(failover.adminPort(), "127.0.0.1", "/health/ready").send()
        .await(5, TimeUnit.SECONDS).statusCode());
    JsonObject status = client.get(failover.adminPort(), "127.0.0.1", "/status").send()
        .await(5, TimeUnit.SECONDS).bodyAsJsonObject();
    assertEquals("leader", status.getString("role"));
    assertEquals(s.nodeId(), status.getJsonObject("leader").getString("nodeId"));
    assertEquals(failover.epoch(), status.getLong("epoch"));
    assertEquals("edge", status.getJsonArray("roles").getJsonObject(0).getString("group"));
    assertEquals(1, status.getJsonArray("plans").size());
  }
}
