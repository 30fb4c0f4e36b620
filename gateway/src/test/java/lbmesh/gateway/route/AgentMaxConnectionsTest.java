package lbmesh.gateway.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AgentMaxConnectionsTest {
  private final GatewayHarness h = new GatewayHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private static Server server(int maxConnections) {
    return Server.fromJson(new JsonObject().put("id", "x").put("host", "h").put("port", 1)
        .put("maxConnections", maxConnections));
  }

  private static HealthRecord agentSaid(Integer maxconn) {
    return new HealthRecord("p", "x", HealthRecord.UP, null, 0, null, null, "health-test", maxconn);
  }

  @Test
  void theLowerOfTheRegistryAndAgentLimitsIsInForce() {
    assertEquals(2, ServerSlot.withLimitInForce(server(5), agentSaid(2)).maxConnections());
    assertEquals(2, ServerSlot.withLimitInForce(server(0), agentSaid(2)).maxConnections(), "registry: no limit");
    assertEquals(1, ServerSlot.withLimitInForce(server(1), agentSaid(2)).maxConnections());
    assertEquals(5, ServerSlot.withLimitInForce(server(5), agentSaid(0)).maxConnections(), "agent: no limit");
    Server s = server(5);
    assertSame(s, ServerSlot.withLimitInForce(s, agentSaid(null)));
    assertSame(s, ServerSlot.withLimitInForce(s, null));
  }

  private void agentMaxconn(DemoBackend b, int maxconn) {
    HealthRecord r = new HealthRecord("default", b.id(), HealthRecord.UP, "agent", 0, null, null, "health-test",
        maxconn);
    h.vertx.eventBus().publish(Addresses.EVENTS, Event.of(EventType.LOAD_CHANGED, "health-test", "dc1", r.toJson())
        .toJson());
  }

  private ServerSlot slot(DemoBackend b) {
    return h.gateway.state().table().pools().get("default").byId(b.id());
  }

  @Test
  void aServerWhoseAgentSaysMaxconnTwoNeverSeesMoreThanTwoWhileTheOthersTakeTheRest() throws Exception {
    DemoBackend limited = h.backend();
    DemoBackend b = h.backend();
    DemoBackend c = h.backend();
    h.start();
    h.defaultPool("round-robin", limited, b, c);
    h.awaitTable();
    agentMaxconn(limited, 2);
    Await.until(Duration.ofSeconds(5), "agent limit in the table", () -> slot(limited).server().maxConnections() == 2);

    int n = 15;
    List<Future<Integer>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(h.client.request(new RequestOptions().setHost("127.0.0.1").setPort(h.config.httpPort())
          .setURI("/?delay=600")).compose(req -> req.send().compose(resp -> resp.body().map(x -> resp.statusCode()))));
    }
    Future.join(all).await(30, TimeUnit.SECONDS);
    List<Integer> statuses = all.stream().map(Future::result).toList();
    System.out.printf("[AgentMaxConnectionsTest] %d slow requests: limited %d (max %d at once), others %d + %d%n",
        n, limited.stats().totalRequests(), limited.stats().maxInFlight(), b.stats().totalRequests(),
        c.stats().totalRequests());
    assertTrue(statuses.stream().allMatch(s -> s == 200), "the others had room for the rest: " + statuses);
    assertTrue(limited.stats().maxInFlight() <= 2, "the limited server saw " + limited.stats().maxInFlight());
    assertEquals(2, limited.stats().totalRequests(), "it took its two and no more");
    assertEquals(n - 2, b.stats().totalRequests() + c.stats().totalRequests());

    agentMaxconn(limited, 0);
    Await.until(Duration.ofSeconds(5), "the agent lifted its limit", () -> slot(limited).server().maxConnections() == 0);
  }
}
