package lbmesh.gateway.balance;

import static lbmesh.gateway.balance.Fixtures.equalServers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Properties ip-hash and url-hash share through their Maglev table, proven for both. */
class ConsistentHashingTest {

  private static final int KEYS = 10_000;

  private static List<PickRequest> addresses() {
    List<PickRequest> requests = new ArrayList<>();
    Random random = new Random(1);
    for (int i = 0; i < KEYS; i++) {
      String address = random.nextInt(4) == 0
          ? String.format("2001:db8:%x::%x", random.nextInt(0x10000), random.nextInt(0x10000))
          : "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
      requests.add(PickRequest.of(address, "/", null));
    }
    return requests;
  }

  private static List<PickRequest> paths() {
    List<PickRequest> requests = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      requests.add(PickRequest.of("192.0.2.7", "/catalog/item/" + i + "/image.png", null));
    }
    return requests;
  }

  private static List<String> assign(Function<List<BalancedServer>, Balancer> factory,
      List<BalancedServer> servers, List<PickRequest> requests) {
    Balancer balancer = factory.apply(servers);
    List<String> ids = new ArrayList<>();
    for (PickRequest request : requests) {
      ids.add(servers.get(balancer.pick(request, Balancer.ALL_USABLE)).id());
    }
    return ids;
  }

  private static double movedShare(List<String> before, List<String> after) {
    int moved = 0;
    for (int i = 0; i < before.size(); i++) {
      if (!before.get(i).equals(after.get(i))) {
        moved++;
      }
    }
    return moved / (double) before.size();
  }

  private static void assertKeysStayPut(Function<List<BalancedServer>, Balancer> factory,
      List<PickRequest> requests) {
    List<BalancedServer> servers = equalServers("backend-", 10);
    Balancer balancer = factory.apply(servers);
    List<String> first = assign(factory, servers, requests);
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < requests.size(); i++) {
        assertEquals(first.get(i), servers.get(balancer.pick(requests.get(i), Balancer.ALL_USABLE)).id());
      }
    }
    assertEquals(10, new HashSet<>(first).size(), "keys spread over every server");
  }

  private static void assertRemovingOneServerMovesAboutOneNth(
      Function<List<BalancedServer>, Balancer> factory, List<PickRequest> requests, int n) {
    List<BalancedServer> servers = equalServers("backend-", n);
    List<String> before = assign(factory, servers, requests);
    List<BalancedServer> fewer = new ArrayList<>(servers);
    fewer.remove(n / 2);
    double moved = movedShare(before, assign(factory, fewer, requests));
    assertTrue(moved <= 1.5 / n, "removing 1 of " + n + " moved " + moved);
  }

  private static void assertAddingOneServerMovesAboutOneNth(
      Function<List<BalancedServer>, Balancer> factory, List<PickRequest> requests, int n) {
    List<BalancedServer> servers = equalServers("backend-", n);
    List<String> before = assign(factory, servers, requests);
    List<BalancedServer> more = new ArrayList<>(servers);
    more.add(new BalancedServer("backend-new", 1));
    double moved = movedShare(before, assign(factory, more, requests));
    assertTrue(moved <= 1.5 / (n + 1), "adding 1 to " + n + " moved " + moved);
    assertTrue(moved >= 0.5 / (n + 1), "the new server takes its share: " + moved);
  }

  private static void assertGatewaysAgree(Function<List<BalancedServer>, Balancer> factory,
      List<PickRequest> requests) {
    List<BalancedServer> servers = new ArrayList<>(equalServers("backend-", 12));
    servers.set(3, new BalancedServer("backend-3", 5));
    List<String> reference = assign(factory, servers, requests);
    Random random = new Random(9);
    for (int gateway = 0; gateway < 3; gateway++) {
      List<BalancedServer> shuffled = new ArrayList<>(servers);
      Collections.shuffle(shuffled, random);
      assertEquals(reference, assign(factory, shuffled, requests));
    }
  }

  private static void assertOnlyTheUnusableServersKeysMove(
      Function<List<BalancedServer>, Balancer> factory, List<PickRequest> requests) {
    List<BalancedServer> servers = equalServers("backend-", 10);
    Balancer balancer = factory.apply(servers);
    Set<Integer> takers = new HashSet<>();
    for (PickRequest request : requests) {
      int home = balancer.pick(request, Balancer.ALL_USABLE);
      int now = balancer.pick(request, index -> index != 4);
      if (home == 4) {
        assertTrue(now != 4 && now >= 0);
        assertEquals(now, balancer.pick(request, index -> index != 4), "same detour every time");
        takers.add(now);
      } else {
        assertEquals(home, now, "keys of usable servers stay put");
      }
    }
    assertTrue(takers.size() >= 5, "a full server's keys spread out, went to " + takers);
  }

  private static Function<List<BalancedServer>, Balancer> ipHash() {
    return IpHash::new;
  }

  private static Function<List<BalancedServer>, Balancer> urlHash() {
    return servers -> new UrlHash(servers, false);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void hashKeepsEveryKeyOnOneServerWhileTheSetIsUnchanged(boolean byAddress) {
    assertKeysStayPut(byAddress ? ipHash() : urlHash(), byAddress ? addresses() : paths());
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 10, 30})
  void ipHashMovesAboutOneNthOfAddressesWhenAServerLeaves(int n) {
    assertRemovingOneServerMovesAboutOneNth(ipHash(), addresses(), n);
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 10, 30})
  void urlHashMovesAboutOneNthOfPathsWhenAServerLeaves(int n) {
    assertRemovingOneServerMovesAboutOneNth(urlHash(), paths(), n);
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 10, 30})
  void ipHashMovesAboutOneNthOfAddressesWhenAServerJoins(int n) {
    assertAddingOneServerMovesAboutOneNth(ipHash(), addresses(), n);
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 10, 30})
  void urlHashMovesAboutOneNthOfPathsWhenAServerJoins(int n) {
    assertAddingOneServerMovesAboutOneNth(urlHash(), paths(), n);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void hashTablesBuiltOnDifferentGatewaysAgreeOnEveryKey(boolean byAddress) {
    assertGatewaysAgree(byAddress ? ipHash() : urlHash(), byAddress ? addresses() : paths());
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void hashMovesOnlyTheKeysOfAnUnusableServer(boolean byAddress) {
    assertOnlyTheUnusableServersKeysMove(byAddress ? ipHash() : urlHash(),
        byAddress ? addresses() : paths());
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void urlHashKeysOnTheQueryOnlyWhenAskedTo(boolean includeQuery) {
    Balancer balancer = new UrlHash(equalServers("backend-", 10), includeQuery);
    Set<Integer> servers = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      servers.add(balancer.pick(PickRequest.of("192.0.2.7", "/search", "q=" + i), Balancer.ALL_USABLE));
    }
    assertEquals(includeQuery ? 10 : 1, servers.size());
  }
}
