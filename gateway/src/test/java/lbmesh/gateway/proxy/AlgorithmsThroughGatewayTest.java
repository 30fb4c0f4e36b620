package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AlgorithmsThroughGatewayTest {
  private final GatewayHarness h = new GatewayHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private DemoBackend[] threeBackends(String algorithm) throws Exception {
    DemoBackend[] bs = {h.backend(), h.backend(), h.backend()};
    h.start();
    h.defaultPool(algorithm, bs);
    h.awaitTable();
    return bs;
  }

  @Test
  void urlHashKeepsEachPathOnOneServerAndSpreadsPaths() throws Exception {
    threeBackends("url-hash");
    Set<String> used = new HashSet<>();
    for (int p = 0; p < 30; p++) {
      String first = h.get("/item/" + p).header("X-LB-Server");
      used.add(first);
      for (int i = 0; i < 3; i++) {
        assertEquals(first, h.get("/item/" + p + "?v=" + i).header("X-LB-Server"));
      }
    }
    assertEquals(3, used.size(), "30 paths use all three servers");
  }

  @Test
  void ipHashKeepsAClientOnOneServer() throws Exception {
    threeBackends("ip-hash");
    String first = h.get("/").header("X-LB-Server");
    for (int i = 0; i < 20; i++) {
      assertEquals(first, h.get("/other/" + i).header("X-LB-Server"));
    }
  }

  @Test
  void leastConnectionsSendsNewRequestsAwayFromABusyServer() throws Exception {
    DemoBackend[] bs = threeBackends("least-connections");
    // occupy one server with long requests: ip-hash cannot do this, least-connections must avoid it
    List<CompletableFuture<Void>> slow = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      slow.add(CompletableFuture.runAsync(() -> {
        try {
          h.get("/?delay=2000");
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      }));
    }
    lbmesh.shared.testing.Await.until(java.time.Duration.ofSeconds(5), "4 slow requests in flight",
        () -> java.util.Arrays.stream(bs).mapToInt(b -> b.stats().inFlight()).sum() == 4);
    Map<String, Integer> busy = new HashMap<>();
    for (DemoBackend b : bs) {
      busy.put(b.id(), b.stats().inFlight());
    }
    String busiest = busy.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    assertTrue(busy.get(busiest) >= 2, "least-connections spread the slow ones: " + busy);
    Map<String, Integer> quick = new HashMap<>();
    for (int i = 0; i < 12; i++) {
      quick.merge(h.get("/").header("X-LB-Server"), 1, Integer::sum);
    }
    assertEquals(0, quick.getOrDefault(busiest, 0), "no quick request went to the busiest server: " + quick);
    CompletableFuture.allOf(slow.toArray(new CompletableFuture[0])).get(10, TimeUnit.SECONDS);
  }

  @Test
  void randomAndAdaptiveUseEveryServer() throws Exception {
    threeBackends("random");
    Set<String> used = new HashSet<>();
    for (int i = 0; i < 60; i++) {
      used.add(h.get("/").header("X-LB-Server"));
    }
    assertEquals(3, used.size());
  }
}
