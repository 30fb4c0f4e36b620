package lbmesh.gateway.balance;

import static lbmesh.gateway.balance.Fixtures.allBut;
import static lbmesh.gateway.balance.Fixtures.countPicks;
import static lbmesh.gateway.balance.Fixtures.servers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import lbmesh.gateway.balance.Fixtures.ArrayLoad;
import org.junit.jupiter.api.Test;

class AdaptiveTest {

  private static Adaptive adaptive(ArrayLoad load, int... weights) {
    SplittableRandom random = new SplittableRandom(11);
    return new Adaptive(servers(weights), load, () -> random);
  }

  @Test
  void adaptiveSendsClearlyLessToServerWithTwiceTheLatency() {
    ArrayLoad load = new ArrayLoad(2).latency(10, 20);
    int[] counts = countPicks(adaptive(load, 100, 100), 10_000, Balancer.ALL_USABLE);
    assertTrue(counts[1] < 0.8 * counts[0], "slow " + counts[1] + " vs fast " + counts[0]);
    assertTrue(counts[1] > 0, "the slow server still gets some traffic to be re-measured");
  }

  @Test
  void adaptiveSendsLessToServerWithLowerCapacity() {
    // Capacity arrives folded into the effective weight (agent reported 50%).
    ArrayLoad load = new ArrayLoad(2).latency(15, 15);
    int[] counts = countPicks(adaptive(load, 10_000, 5_000), 10_000, Balancer.ALL_USABLE);
    assertTrue(counts[1] < 0.8 * counts[0], "half capacity " + counts[1] + " vs " + counts[0]);
  }

  @Test
  void adaptiveTreatsUnknownLatencyAsThePoolAverage() {
    ArrayLoad load = new ArrayLoad(3).latency(10, Double.NaN, 0);
    int[] counts = countPicks(adaptive(load, 1, 1, 1), 30_000, Balancer.ALL_USABLE);
    for (int count : counts) {
      assertEquals(10_000, count, 600);
    }
  }

  @Test
  void adaptiveDiscountsAServerCarryingMoreThanItsShareInFlightALittle() {
    ArrayLoad load = new ArrayLoad(2).latency(10, 10).inflight(0, 40);
    int[] counts = countPicks(adaptive(load, 1, 1), 10_000, Balancer.ALL_USABLE);
    assertTrue(counts[1] < 0.8 * counts[0], "busy " + counts[1] + " vs idle " + counts[0]);
    assertTrue(counts[1] > 0.4 * counts[0], "only a little: " + counts[1] + " vs " + counts[0]);
  }

  @Test
  void adaptiveWithEqualSignalsFollowsWeights() {
    ArrayLoad load = new ArrayLoad(3).latency(12, 12, 12).inflight(5, 3, 2);
    int[] counts = countPicks(adaptive(load, 500, 300, 200), 100_000, Balancer.ALL_USABLE);
    assertEquals(0.50, counts[0] / 100_000.0, 0.01);
    assertEquals(0.30, counts[1] / 100_000.0, 0.01);
    assertEquals(0.20, counts[2] / 100_000.0, 0.01);
  }

  @Test
  void adaptiveSkipsUnusableServer() {
    ArrayLoad load = new ArrayLoad(3).latency(5, 10, 20);
    int[] counts = countPicks(adaptive(load, 1, 1, 1), 10_000, allBut(0));
    assertEquals(0, counts[0]);
    assertTrue(counts[2] < 0.8 * counts[1], "latency still counts among the rest");
  }
}
