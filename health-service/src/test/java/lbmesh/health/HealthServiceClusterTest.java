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

  /**
   * Checks every 200 ms. The timeout is generous on purpose: a refused or 503 check fails at once anyway,
   * and a short one turned a JVM stall on a busy two-core machine (0.6 s seen) into health flaps.
   */
  private static Pool pool() {
    return Pool.fromJson(Pool.defaults("default").toJson().put("healthCheck", new JsonObject().put("type", "http")
        .put("path", "/health").put("intervalMs", INTERVAL).put("fastIntervalMs", INTERVAL)
        .put("downIntervalMs", INTERVAL).put("timeoutMs", 1000).put("rise", 2).put("fall", 2).put("jitterPercent", 0)));
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

  /** A server that records when each health check reached it; its /health answers 200 or 503. */
  private static final class ProbedServer {
    final List<Long> hits = new CopyOnWriteArrayList<>();
    volatile boolean healthy = true;
    final io.vertx.core.http.HttpServer http;

    ProbedServer(Vertx vertx) throws Exception {
      http = vertx.createHttpServer().requestHandler(req -> {
        hits.add(System.currentTimeMillis());
        req.response().setStatusCode(healthy ? 200 : 503).end();
      }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    }

    String id() {
      return "probed-" + http.actualPort();
    }

    Server server() {
      return Server.fromJson(new JsonObject().put("id", id()).put("host", "127.0.0.1").put("port", http.actualPort()));
    }

    /** Checks that reached it at or after `from` and before `to`. */
    long hits(long from, long to) {
      return hits.stream().filter(t -> t >= from && t < to).count();
    }

    /** The longest time between two consecutive checks within [from, to). */
    long maxGap(long from, long to) {
      List<Long> in = hits.stream().filter(t -> t >= from && t < to).sorted().toList();
      long max = 0;
      for (int i = 1; i < in.size(); i++) {
        max = Math.max(max, in.get(i) - in.get(i - 1));
      }
      return max;
    }
  }

  /** At most one check per interval (plus one for the window's edges): a second checker would double it. */
  private static void assertCheckedOnce(List<ProbedServer> servers, long from, long to, String when) {
    long most = (to - from) / INTERVAL + 1;
    for (ProbedServer p : servers) {
      long n = p.hits(from, to);
      assertTrue(n <= most, p.id() + " was checked " + n + " times in " + (to - from) + " ms " + when
          + ": by two instances?");
    }
  }

  @Test
  void twoInstancesSplitTheServersAndTheSurvivorTakesOverWithoutGapsOrDoubleReports() throws Exception {
    StandInRegistry reg = registry();
    Vertx h1 = healthInstance();
    String h1Id = lastHealthId;
    Vertx h2 = healthInstance();
    String h2Id = lastHealthId;
    reg.pool(pool());
    List<ProbedServer> ps = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ProbedServer p = new ProbedServer(local);
      ps.add(p);
      reg.server("default", p.server());
    }
    Await.until(Duration.ofSeconds(10), "all up", () -> ps.stream().allMatch(p -> count("health.up", p.id()) == 1));
    Map<String, Long> checkers = events.stream().collect(Collectors.groupingBy(e -> e.data().getString("checkedBy"),
        Collectors.counting()));
    assertEquals(2, checkers.size(), "both instances check some servers: " + checkers);
    List<ProbedServer> orphans = ps.stream().filter(p -> events.stream().anyMatch(e -> e.data().getString("id")
        .equals(p.id()) && e.data().getString("checkedBy").equals(h1Id))).toList();
    assertTrue(!orphans.isEmpty() && orphans.size() < ps.size(), "h1 owns some servers, not all: " + orphans.size());

    long splitFrom = System.currentTimeMillis();
    Await.until(Duration.ofSeconds(5), "a second of checks", () -> System.currentTimeMillis() - splitFrom >= 1000
        && ps.stream().allMatch(p -> p.hits(splitFrom, Long.MAX_VALUE) >= 4));
    assertCheckedOnce(ps, splitFrom, System.currentTimeMillis(), "while two instances split the servers");

    java.util.concurrent.atomic.AtomicLong removedAt = new java.util.concurrent.atomic.AtomicLong();
    TestCluster.hz(h2).getCluster().addMembershipListener(new com.hazelcast.cluster.MembershipListener() {
      @Override
      public void memberAdded(com.hazelcast.cluster.MembershipEvent e) {
      }

      @Override
      public void memberRemoved(com.hazelcast.cluster.MembershipEvent e) {
        removedAt.set(System.currentTimeMillis());
      }
    });
    long crashAt = System.currentTimeMillis();
    cluster.crash(h1);
    Await.until(Duration.ofSeconds(5), "the survivor saw it leave", () -> removedAt.get() > 0);
    long removalMs = removedAt.get() - crashAt;
    long settled = removedAt.get() + INTERVAL;
    Await.until(Duration.ofSeconds(10), "two seconds after the takeover",
        () -> System.currentTimeMillis() - removedAt.get() >= 2000);
    long end = System.currentTimeMillis();

    // the orphans: last checked by h1 before the crash, next by the survivor once it saw h1 leave
    long from = crashAt - 2 * INTERVAL;
    List<ProbedServer> own = ps.stream().filter(p -> !orphans.contains(p)).toList();
    long orphanGap = orphans.stream().mapToLong(p -> p.maxGap(from, end)).max().orElseThrow();
    // how late the survivor's timers fired meanwhile, on servers whose owner never changed: a stall of the
    // whole JVM (two cores shared with the rest of a build) is no takeover delay
    long lateness = Math.max(0, own.stream().mapToLong(p -> p.maxGap(from, end)).max().orElseThrow() - INTERVAL);
    // Two intervals, plus the time Hazelcast took to drop the crashed member (measured here, ~0.1-0.4 s:
    // the connection monitor's 3 faults 100 ms apart), which no health-service can beat without a heartbeat
    // of its own, plus that lateness, plus 50 ms for the adoption itself (an lb.health read, first check
    // spread over a quarter interval).
    long bound = 2L * INTERVAL + removalMs + lateness + 50;
    System.out.printf("takeover: member removed %d ms after the crash; longest gap between checks of an orphaned "
        + "server %d ms (survivor's timers up to %d ms late) vs bound 2 x %d + %d + %d + 50 = %d ms%n", removalMs,
        orphanGap, lateness, INTERVAL, removalMs, lateness, bound);
    assertTrue(orphanGap <= bound, "an orphaned server went unchecked for " + orphanGap + " ms, bound " + bound);
    assertCheckedOnce(ps, settled, end, "after the takeover");

    Await.until(Duration.ofSeconds(5), "lb.health names the survivor as the checker of every server", () ->
        ps.stream().allMatch(p -> h2Id.equals(HealthRecord.fromJson(new JsonObject((String) TestCluster.hz(h2)
            .getMap(Addresses.HEALTH_MAP).get(HealthRecord.key("default", p.id())))).checkedBy())));

    // every server is now the survivor's: a change is reported once, by it
    ps.forEach(p -> p.healthy = false);
    Await.until(Duration.ofSeconds(5), "all down", () -> ps.stream().allMatch(p -> count("health.down", p.id()) >= 1));
    for (ProbedServer p : ps) {
      assertEquals(1, count("health.up", p.id()), "no server was reported up twice: " + p.id());
      assertEquals(1, count("health.down", p.id()), "reported down once: " + p.id());
      assertEquals(h2Id, events.stream().filter(e -> e.type().equals("health.down") && e.data().getString("id")
          .equals(p.id())).findFirst().orElseThrow().data().getString("checkedBy"));
    }
  }
}
