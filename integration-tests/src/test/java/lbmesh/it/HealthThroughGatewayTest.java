package lbmesh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.demo.DemoBackendOptions;
import lbmesh.gateway.GatewayConfig;
import lbmesh.gateway.GatewayVerticle;
import lbmesh.gateway.route.PoolTable;
import lbmesh.gateway.route.ServerSlot;
import lbmesh.health.HealthVerticle;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import lbmesh.shared.testing.Ports;
import lbmesh.shared.testing.StandInRegistry;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 5 end to end: a real health-service and a real gateway in one cluster (with a stand-in registry),
 * three demo backends under steady load through the gateway; one is killed and brought back.
 */
@Timeout(120)
class HealthThroughGatewayTest {
  static final int INTERVAL = 250;
  static final int FALL = 3;
  static final int RISE = 2;
  static final int SLOW_START_SECONDS = 3;
  /**
   * On top of the bound, which already leaves one interval of slack (the schedule itself needs at
   * most fall x interval: the next check within one interval of the kill, then fall - 1 more, with
   * fastIntervalMs = intervalMs and no jitter): the event-bus hop from the health member to the member
   * that observes (loopback, a few ms) and timers firing late while two cores also run the gateway, three
   * backends, the load and Hazelcast. Measured here: down 546 ms against a schedule of 500-750 ms, up
   * 454 ms against 250-500 ms.
   */
  static final long ALLOWANCE_MS = 100;

  private final TestCluster cluster = new TestCluster();
  private final Vertx local = Vertx.vertx();
  /** Health and load events as the registry member received them, with the time they arrived. */
  private final List<Received> events = new CopyOnWriteArrayList<>();
  private GatewayVerticle gateway;
  private int gatewayPort;

  record Received(long at, Event event) {
    String id() {
      return event.data().getString("id");
    }
  }

  @AfterEach
  void close() throws Exception {
    cluster.close();
    local.close().await(10, TimeUnit.SECONDS);
  }

  private static Pool pool() {
    return Pool.fromJson(Pool.defaults(Pool.DEFAULT_POOL).toJson()
        .put("algorithm", "weighted-round-robin")
        .put("slowStartSeconds", SLOW_START_SECONDS)
        // passive health off: only health-service may take the killed backend out, or this proves nothing
        .put("outlier", new JsonObject().put("consecutiveFailures", 0))
        .put("healthCheck", new JsonObject().put("type", "http").put("path", "/health")
            .put("intervalMs", INTERVAL).put("fastIntervalMs", INTERVAL).put("downIntervalMs", INTERVAL)
            // generous: a refused check fails at once anyway, and a short timeout turns a stall of this busy
            // JVM into a flap of a healthy server
            .put("timeoutMs", 1000).put("rise", RISE).put("fall", FALL).put("jitterPercent", 0)));
  }

  private StandInRegistry registry() {
    Vertx r = cluster.start("registry-service", "dc1");
    r.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
      Event e = Event.fromJson(m.body());
      if (e.type().startsWith("health.") || e.type().equals("load.changed")) {
        events.add(new Received(System.currentTimeMillis(), e));
      }
    });
    return new StandInRegistry(r);
  }

  private void healthService() throws Exception {
    ClusterSettings s = cluster.settings(HealthVerticle.SERVICE, "dc1");
    cluster.start(s).deployVerticle(new HealthVerticle(s, "127.0.0.1", 0)).await(20, TimeUnit.SECONDS);
  }

  private void gateway() throws Exception {
    ClusterSettings s = cluster.settings(lbmesh.gateway.Main.SERVICE, "dc1");
    gatewayPort = Ports.free();
    GatewayConfig cfg = GatewayConfig.forTest(gatewayPort, Ports.free()).withExposeServerHeader(true);
    gateway = new GatewayVerticle(cfg, s);
    cluster.start(s).deployVerticle(gateway).await(30, TimeUnit.SECONDS);
  }


  private DemoBackend backend(int port) throws Exception {
    return DemoBackend.start(local, new DemoBackendOptions().setPort(port).setAgentPort(DemoBackendOptions.NO_AGENT))
        .await(10, TimeUnit.SECONDS);
  }

  private static Server server(DemoBackend b) {
    return Server.fromJson(new JsonObject().put("id", b.id()).put("host", "127.0.0.1").put("port", b.port())
        .put("agentPort", b.agentPort() < 0 ? null : b.agentPort()));
  }

  private ServerSlot slot(String id) {
    PoolTable p = gateway.state().table().pools().get(Pool.DEFAULT_POOL);
    return p == null ? null : p.byId(id);
  }

  private boolean upInGateway(String id) {
    ServerSlot s = slot(id);
    return s != null && s.health() != null && HealthRecord.UP.equals(s.health().status()) && s.takesNewRequests();
  }

  private Received await(String type, String id, int nth, Duration timeout) {
    Await.until(timeout, nth + " x " + type + " " + id, () -> count(type, id) >= nth);
    return events.stream().filter(r -> r.event().type().equals(type) && r.id().equals(id)).skip(nth - 1L)
        .findFirst().orElseThrow();
  }

  private long count(String type, String id) {
    return events.stream().filter(r -> r.event().type().equals(type) && r.id().equals(id)).count();
  }

  @Test
  void aBackendKilledUnderLoadLeavesTheGatewayAndRampsBackOverSlowStart() throws Exception {
    StandInRegistry reg = registry();
    healthService();
    gateway();
    List<DemoBackend> bs = new ArrayList<>();
    reg.pool(pool());
    for (int i = 0; i < 3; i++) {
      DemoBackend b = backend(0);
      bs.add(b);
      reg.server(Pool.DEFAULT_POOL, server(b));
    }
    Await.until(Duration.ofSeconds(15), "all three up in the gateway",
        () -> bs.stream().allMatch(b -> upInGateway(b.id()) && slot(b.id()).effectiveWeight() == PoolTable.WEIGHT_SCALE));
    DemoBackend victim = bs.get(0);
    String vid = victim.id();
    int port = victim.port();

    SteadyLoad load = SteadyLoad.start(local, gatewayPort, 4, 40_000);
    try {
      long t0 = System.currentTimeMillis();
      Await.until(Duration.ofSeconds(10), "steady traffic", () -> load.count(t0, Long.MAX_VALUE, a -> true) >= 300);
      double before = share(load, t0, System.currentTimeMillis(), vid);

      // killed: reported down within fall x interval plus one interval
      long attemptsAtKill = slot(vid).stats().requests();
      victim.kill().await(5, TimeUnit.SECONDS);
      long killedAt = System.currentTimeMillis();
      long downMs = await("health.down", vid, 1, Duration.ofSeconds(5)).at() - killedAt;
      long downBound = (long) FALL * INTERVAL + INTERVAL + ALLOWANCE_MS;
      System.out.printf("[it] share of %s before: %.3f; killed under load, health.down after %d ms "
          + "(bound fall %d x %d + %d + %d = %d ms)%n", vid, before, downMs, FALL, INTERVAL, INTERVAL, ALLOWANCE_MS,
          downBound);
      assertTrue(downMs <= downBound, "down after " + downMs + " ms, bound " + downBound);

      // once the gateway has the verdict, not one more attempt on that server
      Await.until(Duration.ofSeconds(2), "the gateway saw it down", () -> !slot(vid).takesNewRequests());
      long seenAt = System.currentTimeMillis();
      // exchanges that began on the previous table may still retry over it: let them finish
      Await.until(Duration.ofSeconds(5), "requests since", () -> load.count(seenAt, Long.MAX_VALUE, a -> true) >= 50);
      long attemptsAtDown = slot(vid).stats().requests();
      long quietFrom = System.currentTimeMillis();
      Await.until(Duration.ofSeconds(10), "traffic while down",
          () -> load.count(quietFrom, Long.MAX_VALUE, a -> true) >= 400);
      long quietTo = System.currentTimeMillis();
      long failedWhileDown = load.count(seenAt, quietTo, a -> a.status() != 200);
      System.out.printf("[it] gateway tried the dead server %d times before the verdict (each retried elsewhere); "
          + "%d answers while it was down, %d of them not 200, %d attempts on it%n",
          attemptsAtDown - attemptsAtKill, load.count(quietFrom, quietTo, a -> true), failedWhileDown,
          slot(vid).stats().requests() - attemptsAtDown);
      assertEquals(attemptsAtDown, slot(vid).stats().requests(), "no attempt on a server reported down");
      assertEquals(0, load.count(seenAt, quietTo, a -> vid.equals(a.server())));
      assertEquals(0, failedWhileDown, "the two others served everything");

      // brought back: up after rise checks
      DemoBackend back = backend(port);
      long backAt = System.currentTimeMillis();
      long upMs = await("health.up", vid, 2, Duration.ofSeconds(5)).at() - backAt;
      long upBound = (long) RISE * INTERVAL + INTERVAL + ALLOWANCE_MS;
      System.out.printf("[it] restarted, health.up after %d ms (bound rise %d x %d + %d + %d = %d ms)%n", upMs, RISE,
          INTERVAL, INTERVAL, ALLOWANCE_MS, upBound);
      assertTrue(upMs <= upBound, "up after " + upMs + " ms, bound " + upBound);
      assertEquals(back.id(), vid);

      // slow start: the gateway's effective weight steps up to full, the request share follows it
      Await.until(Duration.ofSeconds(2), "the gateway saw it up", () -> upInGateway(vid));
      List<long[]> steps = new ArrayList<>(); // {at, effective weight}
      steps.add(new long[] {System.currentTimeMillis(), slot(vid).effectiveWeight()});
      while (steps.get(steps.size() - 1)[1] < PoolTable.WEIGHT_SCALE) {
        long last = steps.get(steps.size() - 1)[1];
        Await.until(Duration.ofSeconds(SLOW_START_SECONDS + 2), "weight moves on from " + last,
            () -> slot(vid).effectiveWeight() != last);
        steps.add(new long[] {System.currentTimeMillis(), slot(vid).effectiveWeight()});
      }
      long fullAt = steps.get(steps.size() - 1)[0];
      Await.until(Duration.ofSeconds(10), "traffic at full weight", () -> load.count(fullAt, Long.MAX_VALUE, a -> true) >= 600);
      steps.add(new long[] {System.currentTimeMillis(), -1});
      StringBuilder ramp = new StringBuilder();
      List<Double> shares = new ArrayList<>();
      for (int i = 0; i + 1 < steps.size(); i++) {
        double s = share(load, steps.get(i)[0], steps.get(i + 1)[0], vid);
        shares.add(s);
        ramp.append(String.format("%n[it]   +%5d ms  weight %.2f  share %.3f", steps.get(i)[0] - steps.get(0)[0],
            steps.get(i)[1] / (double) PoolTable.WEIGHT_SCALE, s));
      }
      System.out.println("[it] slow start over " + SLOW_START_SECONDS + " s, as the gateway balanced it:" + ramp);

      for (int i = 1; i + 1 < steps.size(); i++) {
        assertTrue(steps.get(i)[1] > steps.get(i - 1)[1], "the weight only rises: " + ramp);
      }
      assertTrue(steps.size() >= 4, "a ramp in several steps, not a jump: " + ramp);
      assertTrue(steps.get(0)[1] < PoolTable.WEIGHT_SCALE / 2, "starts low: " + ramp);
      long rampMs = fullAt - steps.get(0)[0];
      assertTrue(rampMs <= SLOW_START_SECONDS * 1000L + 1000, "full weight within the window (+ one 1 s step): " + rampMs);
      assertTrue(shares.get(0) < 0.15, "a fresh server gets a small share first: " + ramp);
      double full = shares.get(shares.size() - 1);
      assertTrue(Math.abs(full - 1.0 / 3) < 0.05, "then its third: " + ramp);
      assertTrue(shares.get(0) < shares.get(shares.size() - 2) && shares.get(shares.size() - 2) <= full + 0.05,
          "the share follows the weight up: " + ramp);
    } finally {
      load.stop();
    }
    System.out.println("[it] " + load.total() + " requests through the gateway in all");
  }

  private static double share(SteadyLoad load, long from, long to, String id) {
    long all = load.count(from, to, a -> true);
    return all == 0 ? 0 : load.count(from, to, a -> id.equals(a.server())) / (double) all;
  }

  @Test
  void anAgentsMaxconnCapsWhatTheGatewaySendsItsServer() throws Exception {
    StandInRegistry reg = registry();
    healthService();
    gateway();
    reg.pool(Pool.fromJson(Pool.defaults(Pool.DEFAULT_POOL).toJson().put("algorithm", "round-robin")
        // timeoutMs 1000, not 200: with the native (epoll) transport every services uses, an agent's reply
        // reaches the probe about 200 ms after it was sent (3 ms with NIO); see the issue note
        .put("healthCheck", new JsonObject().put("type", "agent").put("intervalMs", INTERVAL)
            .put("fastIntervalMs", INTERVAL).put("timeoutMs", 1000).put("rise", 1).put("fall", 2))));
    List<DemoBackend> bs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      DemoBackend b = DemoBackend.start(local, new DemoBackendOptions()).await(10, TimeUnit.SECONDS);
      bs.add(b);
    }
    DemoBackend limited = bs.get(0);
    limited.setAgentReply("up maxconn:2");
    bs.forEach(b -> reg.server(Pool.DEFAULT_POOL, server(b)));
    Await.until(Duration.ofSeconds(15), "the agent's limit in the gateway", () -> bs.stream()
        .allMatch(b -> upInGateway(b.id())) && slot(limited.id()).server().maxConnections() == 2);
    assertEquals(2, events.stream().filter(r -> r.id().equals(limited.id())).reduce((a, b) -> b).orElseThrow()
        .event().data().getInteger("maxConnections"), "published with the verdict");

    int n = 15;
    List<io.vertx.core.Future<Integer>> all = new ArrayList<>();
    var client = local.createHttpClient(new io.vertx.core.http.PoolOptions().setHttp1MaxSize(n));
    for (int i = 0; i < n; i++) {
      all.add(client.request(new io.vertx.core.http.RequestOptions().setHost("127.0.0.1").setPort(gatewayPort)
          .setURI("/?delay=600")).compose(req -> req.send().compose(resp -> resp.body().map(x -> resp.statusCode()))));
    }
    io.vertx.core.Future.join(all).await(30, TimeUnit.SECONDS);
    List<Integer> statuses = all.stream().map(io.vertx.core.Future::result).toList();
    System.out.printf("[it] agent maxconn:2, %d slow requests at once: limited server took %d (%d at most at once), "
        + "the others %d and %d%n", n, limited.stats().totalRequests(), limited.stats().maxInFlight(),
        bs.get(1).stats().totalRequests(), bs.get(2).stats().totalRequests());
    assertTrue(statuses.stream().allMatch(st -> st == 200), statuses.toString());
    assertTrue(limited.stats().maxInFlight() <= 2, "the limited server saw " + limited.stats().maxInFlight());
    assertEquals(2, limited.stats().totalRequests());

    limited.setAgentReply("up maxconn:0");
    Await.until(Duration.ofSeconds(5), "the agent lifted its limit",
        () -> slot(limited.id()).server().maxConnections() == 0);
  }
}
