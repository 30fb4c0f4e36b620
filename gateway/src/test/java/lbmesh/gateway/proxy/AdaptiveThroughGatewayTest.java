package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import lbmesh.gateway.route.ServerSlot;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code adaptive} algorithm end to end: the latencies the proxy measures (ServerStats.recordLatency)
 * and the agent weights that reach the gateway as events both move traffic. Shares are compared, not times.
 */
class AdaptiveThroughGatewayTest {
  static final int WARM_UP = 30;
  static final int REQUESTS = 200;

  private final GatewayHarness h = new GatewayHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private ServerSlot slot(DemoBackend b) {
    return h.gateway.state().table().pools().get("default").byId(b.id());
  }

  private static double share(Map<String, Integer> counts, DemoBackend b) {
    return counts.getOrDefault(b.id(), 0) / (double) counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  @Test
  void aSlowServerGetsAClearlySmallerShareOnceItsLatencyIsMeasured() throws Exception {
    DemoBackend fast = h.backend();
    DemoBackend slow = h.backend();
    slow.setBaseDelayMs(40);
    h.start();
    h.defaultPool("adaptive", fast, slow);
    h.awaitTable();
    h.spread(WARM_UP);
    assertTrue(slot(slow).stats().latencyMillis() > 2 * slot(fast).stats().latencyMillis(),
        "the proxy measured both: fast " + slot(fast).stats().latencyMillis() + " ms, slow "
            + slot(slow).stats().latencyMillis() + " ms");
    Map<String, Integer> counts = h.spread(REQUESTS);
    System.out.printf("adaptive, 40 ms slower server: shares fast %.2f slow %.2f%n", share(counts, fast),
        share(counts, slow));
    // equal weights: without the latency feed each would get about half
    assertTrue(share(counts, slow) < 0.25 && share(counts, fast) > 3 * share(counts, slow),
        "the slow server gets clearly less: " + counts);
  }

  @ParameterizedTest(name = "agent weight through {0}")
  @ValueSource(strings = {"health-service verdict", "pushed load report"})
  void anAgentWeightPercentLowersAServersShare(String path) throws Exception {
    DemoBackend a = h.backend();
    DemoBackend b = h.backend();
    // the same latency on both, well above loopback noise, so only the weight tells them apart
    a.setBaseDelayMs(5);
    b.setBaseDelayMs(5);
    h.start();
    h.defaultPool("adaptive", a, b);
    h.awaitTable();
    h.spread(WARM_UP);
    Map<String, Integer> before = h.spread(REQUESTS);

    JsonObject data = path.startsWith("health")
        ? new HealthRecord("default", a.id(), HealthRecord.UP, "agent", 1, 20, "ready", "health-test").toJson()
        : new JsonObject().put("pool", "default").put("id", a.id()).put("weightPercent", 20).put("source", "push");
    h.vertx.eventBus().publish(Addresses.EVENTS, Event.of(EventType.LOAD_CHANGED, "test", "dc1", data).toJson());
    int full = slot(b).effectiveWeight();
    Await.until(Duration.ofSeconds(5), "agent 20 % in the table", () -> slot(a).effectiveWeight() == full / 5);

    Map<String, Integer> after = h.spread(REQUESTS);
    System.out.printf("adaptive, agent %s 20 %%: share of the reported server %.2f -> %.2f%n", path,
        share(before, a), share(after, a));
    assertTrue(share(before, a) > 0.3, "equal servers share the traffic at first: " + before);
    assertTrue(share(after, a) < 0.3 && share(after, a) < share(before, a) / 1.6,
        "20 % weight lowers its share: " + before + " -> " + after);
  }
}
