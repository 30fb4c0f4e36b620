package lbmesh.gateway.balance;

import static lbmesh.gateway.balance.Fixtures.ANY_REQUEST;
import static lbmesh.gateway.balance.Fixtures.allBut;
import static lbmesh.gateway.balance.Fixtures.countPicks;
import static lbmesh.gateway.balance.Fixtures.servers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundRobinTest {

  @Test
  void roundRobinVisitsServersInTurnIgnoringWeights() {
    Balancer rr = new RoundRobin(servers(5, 1, 100));
    for (int lap = 0; lap < 100; lap++) {
      for (int expected = 0; expected < 3; expected++) {
        assertEquals(expected, rr.pick(ANY_REQUEST, Balancer.ALL_USABLE));
      }
    }
  }

  @Test
  void roundRobinSkipsUnusableServerAndKeepsTheRestEven() {
    Balancer rr = new RoundRobin(servers(1, 1, 1, 1));
    int[] counts = countPicks(rr, 3000, allBut(1));
    assertArrayEquals(new int[] {1000, 0, 1000, 1000}, counts);
  }

  @Test
  void roundRobinStaysExactlyEvenUnderConcurrentPicks() throws Exception {
    Balancer rr = new RoundRobin(servers(1, 1, 1));
    AtomicIntegerArray counts = new AtomicIntegerArray(3);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < 30_000; i++) {
            counts.incrementAndGet(rr.pick(ANY_REQUEST, Balancer.ALL_USABLE));
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    for (int i = 0; i < 3; i++) {
      assertEquals(40_000, counts.get(i));
    }
  }

  @Test
  void roundRobinReturnsToAServerOnceItIsUsableAgain() {
    Balancer rr = new RoundRobin(servers(1, 1, 1));
    countPicks(rr, 10, allBut(2));
    int[] counts = countPicks(rr, 300, Balancer.ALL_USABLE);
    assertTrue(counts[2] >= 99, "server 2 back in rotation: " + counts[2]);
  }
}
