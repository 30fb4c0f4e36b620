package lbmesh.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import lbmesh.demo.DemoBackend;
import lbmesh.demo.DemoBackendOptions;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import lbmesh.shared.testing.StandInRegistry;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthServiceClusterTest {
  static final int INTERVAL = 200;
  private final TestCluster cluster = new TestCluster();
  private final Vertx local = Vertx.vertx();
  private final List<Event> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    cluster.close();
    local.close().await(10, TimeUnit.SECONDS);
  }

  private Vertx registryVertx;

  private StandInRegistry registry() {
    Vertx r = cluster.start("registry-service", "dc1");
    registryVertx = r;
    r.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
      Event e = Event.fromJson(m.body());
      if (e.type().startsWith("health.")) {
        events.add(e);
      }
    });
    return new StandInRegistry(r);
  }

  private String lastHealthId;

  private Vertx healthInstance() throws Exception {
    ClusterSettings s = cluster.settings(HealthVerticle.SERVICE, "dc1");
    lastHealthId = s.nodeId();
    Vertx v = cluster.start(s);
    v.deployVerticle(new HealthVerticle(s, "127.0.0.1", 0)).await(20, TimeUnit.SECONDS);
    return v;
  }

  private static Pool pool() {
    return Pool.fromJson(Pool.defaults("default").toJson().put("healthCheck", new JsonObject().put("type", "http")
        .put("path", "/health").put("intervalMs", INTERVAL).put("fastIntervalMs", INTERVAL)
        .put("downIntervalMs", INTERVAL).put("timeoutMs", 150).put("rise", 2).put("fall", 2).put("jitterPercent", 0)));
  }

  private DemoBackend backend(int port) throws Exception {
    return DemoBackend.start(local, new DemoBackendOptions().setPort(port).setAgentPort(-1))
        .await(10, TimeUnit.SECONDS);
  }

  private static Server server(DemoBackend b) {
    return Server.fromJson(new JsonObject().put("id", b.id()).put("host", "127.0.0.1").put("port", b.port()));
  }

  private long count(String type, String id) {
    return events.stream().filter(e -> e.type().equals(type) && id.equals(e.data().getString("id"))).count();
  }

  @Test
  void aKilledBackendIsDownWithinFallIntervalsAndUpAfterRiseChecks() throws Exception {
    StandInRegistry reg = registry();
    healthInstance();
    DemoBackend a = backend(0);
    DemoBackend b = backend(0);
    reg.pool(pool());
    reg.server("default", server(a));
    reg.server("default", server(b));
    Await.until(Duration.ofSeconds(10), "both up", () -> count("health.up", a.id()) == 1 && count("health.up", b.id()) == 1);

    int port = b.port();
    b.kill().await(5, TimeUnit.SECONDS);
    long downMs = Await.until(Duration.ofSeconds(5), "b down", () -> count("health.down", b.id()) == 1);
    System.out.println("killed backend reported down after " + downMs + " ms (fall 2 x " + INTERVAL + " ms)");
    assertTrue(downMs <= 2 * INTERVAL + INTERVAL + 300, "within fall x interval plus one interval: " + downMs);
    Event down = events.stream().filter(e -> e.type().equals("health.down")).findFirst().orElseThrow();
    assertTrue(down.data().getString("reason").contains("refused"), down.data().encode());

    DemoBackend back = backend(port);
    long upMs = Await.until(Duration.ofSeconds(5), "b up again", () -> count("health.up", b.id()) == 2);
    System.out.println("restarted backend reported up after " + upMs + " ms (rise 2)");
    assertEquals(1, count("health.up", a.id()), "a steady server is reported once");
    assertEquals(port, back.port());
    Await.until(Duration.ofSeconds(5), "lb.health says up", () -> HealthRecord.UP.equals(HealthRecord.fromJson(
        new JsonObject((String) TestCluster.hz(registryVertx).getMap(Addresses.HEALTH_MAP)
            .get(HealthRecord.key("default", b.id())))).status()));
  }

  @Test
  void twoInstancesSplitTheServersAndTheSurvivorTakesOverWithoutDoubleReports() throws Exception {
    StandInRegistry reg = registry();
    Vertx h1 = healthInstance();
    String h1Id = lastHealthId;
    healthInstance();
    reg.pool(pool());
    List<DemoBackend> bs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      DemoBackend b = backend(0);
      bs.add(b);
      reg.server("default", server(b));
    }
    Await.until(Duration.ofSeconds(10), "all up", () -> bs.stream().allMatch(b -> count("health.up", b.id()) == 1));
    Map<String, Long> checkers = events.stream().collect(Collectors.groupingBy(e -> e.data().getString("checkedBy"),
        Collectors.counting()));
    assertEquals(2, checkers.size(), "both instances check some servers: " + checkers);

    cluster.crash(h1);
    // the survivor adopts h1's servers: take one of them down and the survivor must notice
    String crashed = h1Id;
    DemoBackend victim = bs.stream().filter(b -> events.stream().anyMatch(e -> e.data().getString("id").equals(b.id())
        && e.data().getString("checkedBy").equals(crashed))).findFirst().orElseThrow();
    victim.kill().await(5, TimeUnit.SECONDS);
    Await.until(Duration.ofSeconds(5), "the orphaned server is still checked", () -> count("health.down", victim.id()) == 1);
    for (DemoBackend b : bs) {
      assertEquals(1, count("health.up", b.id()), "no server was reported up twice: " + b.id());
    }
  }
}
