package lbmesh.gateway.balance;

import static lbmesh.gateway.balance.Fixtures.ANY_REQUEST;
import static lbmesh.gateway.balance.Fixtures.allBut;
import static lbmesh.gateway.balance.Fixtures.servers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

class SmoothWeightedRoundRobinTest {

  /** Counts per server and the longest run of consecutive picks of one server. */
  private static int[] countWithLongestRun(Balancer balancer, int picks, IntPredicate usable) {
    int[] counts = new int[balancer.size() + 1];
    int previous = -1;
    int run = 0;
    for (int i = 0; i < picks; i++) {
      int index = balancer.pick(ANY_REQUEST, usable);
      counts[index]++;
      run = index == previous ? run + 1 : 1;
      previous = index;
      counts[balancer.size()] = Math.max(counts[balancer.size()], run);
    }
    return counts;
  }

  @Test
  void weightedRoundRobinSharesFollowWeightsWithinOnePercent() {
    int[] counts = countWithLongestRun(new SmoothWeightedRoundRobin(servers(5, 3, 2)), 10_000,
        Balancer.ALL_USABLE);
    assertEquals(5000, counts[0], 100);
    assertEquals(3000, counts[1], 100);
    assertEquals(2000, counts[2], 100);
  }

  @Test
  void weightedRoundRobinNeverSendsMoreThanWeightInARow() {
    int[] counts = countWithLongestRun(new SmoothWeightedRoundRobin(servers(5, 3, 2)), 10_000,
        Balancer.ALL_USABLE);
    assertTrue(counts[3] <= 5, "longest run " + counts[3]);
  }

  @Test
  void weightedRoundRobinInterleavesAHeavyServerInsteadOfBurstingIt() {
    // NGINX's documented example: weights 5:1:1 give a a b a c a a, not a a a a a b c.
    Balancer swrr = new SmoothWeightedRoundRobin(servers(5, 1, 1));
    int[] sequence = new int[7];
    for (int i = 0; i < 7; i++) {
      sequence[i] = swrr.pick(ANY_REQUEST, Balancer.ALL_USABLE);
    }
    assertArrayEquals(new int[] {0, 0, 1, 0, 2, 0, 0}, sequence);
    int[] counts = countWithLongestRun(swrr, 7_000, Balancer.ALL_USABLE);
    assertEquals(5000, counts[0]);
    assertTrue(counts[3] < 5, "longest run " + counts[3]);
  }

  @Test
  void weightedRoundRobinHandlesLargeScaledWeights() {
    // Effective weights arrive scaled (registry weight x 100 x slow-start factor).
    int[] counts = countWithLongestRun(new SmoothWeightedRoundRobin(servers(25_600, 15_360, 10_240)),
        10_000, Balancer.ALL_USABLE);
    assertEquals(5000, counts[0], 100);
    assertEquals(3000, counts[1], 100);
    assertEquals(2000, counts[2], 100);
    assertTrue(counts[3] <= 5, "longest run " + counts[3]);
  }

  @Test
  void weightedRoundRobinSkipsUnusableServerAndKeepsRatiosAmongTheRest() {
    int[] counts = countWithLongestRun(new SmoothWeightedRoundRobin(servers(5, 3, 2)), 10_000,
        allBut(0));
    assertEquals(0, counts[0]);
    assertEquals(6000, counts[1], 100);
    assertEquals(4000, counts[2], 100);
  }

  @Test
  void weightedRoundRobinKeepsExactSharesUnderConcurrentPicks() throws Exception {
    Balancer swrr = new SmoothWeightedRoundRobin(servers(5, 3, 2));
    AtomicIntegerArray counts = new AtomicIntegerArray(3);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < 10_000; i++) {
            counts.incrementAndGet(swrr.pick(ANY_REQUEST, Balancer.ALL_USABLE));
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    // 40,000 picks is a whole number of 10-pick cycles: the shared state makes the sum exact.
    assertEquals(20_000, counts.get(0));
    assertEquals(12_000, counts.get(1));
    assertEquals(8_000, counts.get(2));
  }
}
