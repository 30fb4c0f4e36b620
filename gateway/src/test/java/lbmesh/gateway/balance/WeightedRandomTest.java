package lbmesh.gateway.balance;

import static lbmesh.gateway.balance.Fixtures.allBut;
import static lbmesh.gateway.balance.Fixtures.countPicks;
import static lbmesh.gateway.balance.Fixtures.servers;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WeightedRandomTest {

  private static WeightedRandom weightedRandom(int... weights) {
    SplittableRandom random = new SplittableRandom(7);
    return new WeightedRandom(servers(weights), () -> random);
  }

  @Test
  void randomSharesFollowWeightsOverManyPicks() {
    int[] counts = countPicks(weightedRandom(5, 3, 2), 100_000, Balancer.ALL_USABLE);
    assertEquals(0.50, counts[0] / 100_000.0, 0.01);
    assertEquals(0.30, counts[1] / 100_000.0, 0.01);
    assertEquals(0.20, counts[2] / 100_000.0, 0.01);
  }

  @Test
  void randomWithEqualWeightsIsUniform() {
    int[] counts = countPicks(weightedRandom(7, 7, 7, 7), 100_000, Balancer.ALL_USABLE);
    for (int count : counts) {
      assertEquals(0.25, count / 100_000.0, 0.01);
    }
  }

  @Test
  void randomKeepsRatiosAmongUsableServers() {
    int[] counts = countPicks(weightedRandom(5, 3, 2), 100_000, allBut(0));
    assertEquals(0, counts[0]);
    assertEquals(0.60, counts[1] / 100_000.0, 0.01);
    assertEquals(0.40, counts[2] / 100_000.0, 0.01);
  }

  @Test
  void randomKeepsRatiosWhenMostWeightIsUnusable() {
    // s0 holds 98% of the weight, so most draws miss and the pick falls back to the exact draw.
    int[] counts = countPicks(weightedRandom(980, 5, 10, 5), 100_000, allBut(0));
    assertEquals(0, counts[0]);
    assertEquals(0.25, counts[1] / 100_000.0, 0.01);
    assertEquals(0.50, counts[2] / 100_000.0, 0.01);
    assertEquals(0.25, counts[3] / 100_000.0, 0.01);
  }
}
