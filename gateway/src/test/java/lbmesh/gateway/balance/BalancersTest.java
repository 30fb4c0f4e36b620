package lbmesh.gateway.balance;

import static lbmesh.gateway.balance.Fixtures.servers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import lbmesh.gateway.balance.Fixtures.ArrayLoad;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BalancersTest {

  private static Balancer create(Algorithm algorithm, List<BalancedServer> servers) {
    ArrayLoad load = new ArrayLoad(servers.size());
    SplittableRandom random = new SplittableRandom(13);
    for (int i = 0; i < servers.size(); i++) {
      load.inflight[i] = random.nextInt(20);
      load.latency[i] = random.nextInt(4) == 0 ? Double.NaN : 1 + random.nextDouble(50);
    }
    return Balancers.create(algorithm, servers, load, () -> random);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void everyAlgorithmFindsNoServerWhenNoneIsUsable(Algorithm algorithm) {
    Balancer balancer = create(algorithm, servers(5, 3, 2, 7));
    for (int i = 0; i < 10; i++) {
      assertEquals(-1, balancer.pick(Fixtures.ANY_REQUEST, index -> false));
    }
    assertEquals(-1, create(algorithm, List.of()).pick(Fixtures.ANY_REQUEST, Balancer.ALL_USABLE));
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void everyAlgorithmPicksOnlyUsableServers(Algorithm algorithm) {
    int[] weights = new int[12];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = 100 * (i + 1);
    }
    Balancer balancer = create(algorithm, servers(weights));
    SplittableRandom random = new SplittableRandom(17);
    for (int i = 0; i < 5000; i++) {
      long mask = random.nextLong() & random.nextLong() & 0xFFF; // often few usable
      PickRequest request = PickRequest.of("10.0.0." + random.nextInt(256), "/p/" + i, "a=" + i);
      int picked = balancer.pick(request, index -> (mask >>> index & 1) != 0);
      if (mask == 0) {
        assertEquals(-1, picked);
      } else {
        assertTrue(picked >= 0 && (mask >>> picked & 1) != 0, "picked " + picked + " of " + mask);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void everyAlgorithmUsesTheOnlyUsableServer(Algorithm algorithm) {
    Balancer balancer = create(algorithm, servers(1, 1, 1, 1, 1));
    for (int i = 0; i < 100; i++) {
      int only = i % 5;
      assertEquals(only, balancer.pick(PickRequest.of("10.1.1." + i, "/" + i, null), index -> index == only));
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void algorithmWireNamesRoundTrip(Algorithm algorithm) {
    assertSame(algorithm, Algorithm.fromWire(algorithm.wireName()));
  }

  @Test
  void algorithmWireNamesAreTheDocumentedOnes() {
    assertEquals(List.of("round-robin", "weighted-round-robin", "least-connections", "ip-hash", "url-hash",
        "adaptive", "random"), java.util.Arrays.stream(Algorithm.values()).map(Algorithm::wireName).toList());
  }

  @Test
  void unknownAlgorithmNameIsRejectedWithTheValidOnes() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> Algorithm.fromWire("fastest"));
    assertTrue(error.getMessage().contains("least-connections"), error.getMessage());
  }

  @Test
  void serverWeightMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new BalancedServer("s", 0));
  }

  @Test
  void factoryBuildsUrlHashKeyingOnQueryWhenAsked() {
    Balancer balancer = Balancers.create(Algorithm.URL_HASH, servers(1, 1), LoadView.NONE,
        () -> new SplittableRandom(1), true);
    assertTrue(((UrlHash) balancer).includesQuery());
  }
}
