package lbmesh.gateway.balance;

import static lbmesh.gateway.balance.Fixtures.ANY_REQUEST;
import static lbmesh.gateway.balance.Fixtures.allBut;
import static lbmesh.gateway.balance.Fixtures.countPicks;
import static lbmesh.gateway.balance.Fixtures.servers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import lbmesh.gateway.balance.Fixtures.ArrayLoad;
import org.junit.jupiter.api.Test;

class LeastConnectionsTest {

  private static LeastConnections leastConnections(ArrayLoad load, int... weights) {
    SplittableRandom random = new SplittableRandom(42);
    return new LeastConnections(servers(weights), load, () -> random);
  }

  @Test
  void leastConnectionsSendsNextRequestToLeastLoadedServer() {
    ArrayLoad load = new ArrayLoad(3).inflight(4, 1, 6);
    int[] counts = countPicks(leastConnections(load, 1, 1, 1), 1000, Balancer.ALL_USABLE);
    assertEquals(1000, counts[1]);
  }

  @Test
  void leastConnectionsComparesInflightPerUnitOfWeight() {
    // s1 has more requests in flight but four times the capacity: 3/4 < 1/1.
    ArrayLoad load = new ArrayLoad(2).inflight(1, 3);
    int[] counts = countPicks(leastConnections(load, 100, 400), 1000, Balancer.ALL_USABLE);
    assertEquals(1000, counts[1]);
  }

  @Test
  void leastConnectionsFillsServersInProportionToWeight() {
    ArrayLoad load = new ArrayLoad(3);
    Balancer lc = leastConnections(load, 100, 300, 600);
    for (int i = 0; i < 10_000; i++) {
      load.inflight[lc.pick(ANY_REQUEST, Balancer.ALL_USABLE)]++; // requests that never finish
    }
    assertEquals(1000, load.inflight[0], 20);
    assertEquals(3000, load.inflight[1], 20);
    assertEquals(6000, load.inflight[2], 20);
  }

  @Test
  void leastConnectionsSpreadsExactTiesOverAllTiedServers() {
    ArrayLoad load = new ArrayLoad(4).inflight(2, 2, 2, 9);
    int[] counts = countPicks(leastConnections(load, 1, 1, 1, 1), 3000, Balancer.ALL_USABLE);
    for (int i = 0; i < 3; i++) {
      assertTrue(counts[i] > 800, "tied server " + i + " got " + counts[i]);
    }
    assertEquals(0, counts[3]);
  }

  @Test
  void leastConnectionsSpreadsNearTiesButNeverPicksAClearlyBusierServer() {
    // 100, 102 and 104 are within 10% of each other; 300 is not. Two gateways with this same view
    // must not both send everything to s0.
    ArrayLoad load = new ArrayLoad(4).inflight(100, 102, 104, 300);
    int[] counts = countPicks(leastConnections(load, 1, 1, 1, 1), 3000, Balancer.ALL_USABLE);
    assertTrue(counts[0] > counts[1] && counts[1] > 0, "near-ties share, best leads: "
        + java.util.Arrays.toString(counts));
    assertEquals(0, counts[3]);
  }

  @Test
  void leastConnectionsSkipsUnusableLeastLoadedServer() {
    ArrayLoad load = new ArrayLoad(3).inflight(5, 0, 3);
    int[] counts = countPicks(leastConnections(load, 1, 1, 1), 500, allBut(1));
    assertEquals(500, counts[2]);
  }
}
