package lbmesh.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import org.junit.jupiter.api.Test;

class SharedInflightTest {

  /**
   * Long requests held through gateway A while one server was in maintenance leave A's view at 12/12/0.
   * The server comes back and gateway B takes 24 more long requests: with sharing B sees A's load and
   * fills the idle server; without it B spreads evenly and the returning server stays far below the others.
   */
  private double spreadAfterRejoin(int shareIntervalMs) throws Exception {
    try (MeshHarness m = new MeshHarness().startRegistry("dc1")) {
      DemoBackend[] bs = {m.backend(), m.backend(), m.backend()};
      MeshHarness.Gateway a = m.gateway("dc1", shareIntervalMs);
      MeshHarness.Gateway b = m.gateway("dc1", shareIntervalMs);
      m.pool(Pool.fromJson(Pool.defaults("default").toJson().put("algorithm", "least-connections")));
      m.server("default", MeshHarness.server(bs[0], "dc1", Server.State.READY, 0));
      m.server("default", MeshHarness.server(bs[1], "dc1", Server.State.READY, 0));
      m.server("default", MeshHarness.server(bs[2], "dc1", Server.State.MAINT, 0));
      m.awaitTables();

      List<Future<MeshHarness.Reply>> held = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        held.add(m.get(a, "/?delay=6000", Map.of()));
      }
      Await.until(Duration.ofSeconds(10), "24 in flight through A",
          () -> bs[0].stats().inFlight() + bs[1].stats().inFlight() == 24);
      m.server("default", MeshHarness.server(bs[2], "dc1", Server.State.READY, 0));
      m.awaitTables();
      if (shareIntervalMs > 0) {
        Await.until(Duration.ofSeconds(5), "B hears A's counts", () -> b.verticle().state().stats().values().stream()
            .mapToInt(s -> s.remoteInflight()).sum() == 24);
      }
      for (int i = 0; i < 24; i++) {
        held.add(m.get(b, "/?delay=3000", Map.of()));
      }
      Await.until(Duration.ofSeconds(10), "48 in flight",
          () -> Arrays.stream(bs).mapToInt(x -> x.stats().inFlight()).sum() == 48);
      int[] counts = Arrays.stream(bs).mapToInt(x -> x.stats().inFlight()).toArray();
      double ratio = (double) Arrays.stream(counts).max().orElseThrow() / Math.max(1, Arrays.stream(counts).min()
          .orElseThrow());
      System.out.printf("share interval %d ms: cluster-wide in-flight %s, max/min %.2f%n", shareIntervalMs,
          Arrays.toString(counts), ratio);
      Future.all(held).await(30, TimeUnit.SECONDS);
      held.forEach(f -> assertEquals(200, f.result().status()));
      return ratio;
    }
  }

  @Test
  void leastConnectionsWithSharingKeepsClusterWideInflightFarTighterThanWithout() throws Exception {
    double shared = spreadAfterRejoin(100);
    double alone = spreadAfterRejoin(0);
    assertTrue(shared <= 1.4, "with sharing the spread is tight: " + shared);
    assertTrue(alone >= 2.0, "without sharing gateway B cannot see A's load: " + alone);
    assertTrue(alone > 1.5 * shared, "sharing wins clearly: " + shared + " vs " + alone);
  }

  private int maxSeenWithGlobalLimit(int shareIntervalMs, int[] unavailable) throws Exception {
    try (MeshHarness m = new MeshHarness().startRegistry("dc1")) {
      DemoBackend b = m.backend();
      MeshHarness.Gateway g1 = m.gateway("dc1", shareIntervalMs);
      MeshHarness.Gateway g2 = m.gateway("dc1", shareIntervalMs);
      m.pool(Pool.defaults("default"));
      m.server("default", MeshHarness.server(b, "dc1", Server.State.READY, 10));
      m.awaitTables();
      List<Future<MeshHarness.Reply>> all = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        all.add(m.get(i % 2 == 0 ? g1 : g2, "/?delay=4000", Map.of()));
        Thread.sleep(50); // 20 arrivals a second, two per 100 ms interval, spread over both gateways
      }
      Future.join(all).await(40, TimeUnit.SECONDS);
      unavailable[0] = (int) all.stream().filter(f -> f.result().status() == 503).count();
      return b.stats().maxInFlight();
    }
  }

  @Test
  void maxConnectionsHoldsClusterWideWithinOneIntervalOfSlack() throws Exception {
    int[] refused = new int[1];
    int shared = maxSeenWithGlobalLimit(100, refused);
    System.out.println("maxConnections 10 over two gateways: server saw at most " + shared + " with sharing");
    // one interval's slack: two arrivals per interval, doubled for a busy test machine's timer jitter
    assertTrue(shared <= 10 + 4, "at most 10 plus what arrives within one 100 ms interval: " + shared);
    assertTrue(refused[0] >= 40 - 14, "the rest were refused with 503: " + refused[0]);
    int alone = maxSeenWithGlobalLimit(0, refused);
    System.out.println("without sharing: " + alone);
    assertTrue(alone > 14, "without sharing each gateway admits its own 10: " + alone);
  }

  @Test
  void aKilledGatewayStopsCountingWithinThreeIntervals() throws Exception {
    try (MeshHarness m = new MeshHarness().startRegistry("dc1")) {
      DemoBackend b = m.backend();
      MeshHarness.Gateway g1 = m.gateway("dc1", 100);
      MeshHarness.Gateway g2 = m.gateway("dc1", 100);
      m.pool(Pool.defaults("default"));
      m.server("default", MeshHarness.server(b, "dc1", Server.State.READY, 0));
      m.awaitTables();
      for (int i = 0; i < 8; i++) {
        m.get(g1, "/?delay=20000", Map.of());
      }
      var seen = g2.verticle().state().stats().values().iterator().next();
      Await.until(Duration.ofSeconds(5), "g2 sees g1's 8", () -> seen.remoteInflight() == 8);
      long t0 = System.nanoTime();
      m.crash(g1);
      long ms = Await.until(Duration.ofSeconds(2), "g1's counts gone", () -> seen.remoteInflight() == 0);
      System.out.println("a killed gateway's counts were dropped after " + ms + " ms");
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 1000);
    }
  }
}
