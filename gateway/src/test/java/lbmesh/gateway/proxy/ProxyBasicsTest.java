package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProxyBasicsTest {
  private final GatewayHarness h = new GatewayHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void forwardsMethodPathQueryHeadersAndBodyAndAddsForwardingHeaders() throws Exception {
    DemoBackend b = h.backend();
    h.start();
    h.defaultPool("round-robin", b);
    h.awaitTable();
    var r = h.request(HttpMethod.POST, "/some/path?x=1&y=2", Buffer.buffer("hello body"),
        Map.of("X-Custom", "abc", "X-Forwarded-For", "203.0.113.7", "Connection", "keep-alive, X-Hop", "X-Hop", "secret",
            "Content-Type", "text/plain"));
    assertEquals(200, r.status(), r.body().toString());
    JsonObject echo = r.json();
    assertEquals("POST", echo.getString("method"));
    assertEquals("/some/path", echo.getString("path"));
    assertEquals("x=1&y=2", echo.getString("query"));
    assertEquals(10, echo.getInteger("receivedBytes"));
    JsonObject headers = echo.getJsonObject("headers");
    assertEquals("abc", headers.getString("x-custom"));
    assertEquals("203.0.113.7, 127.0.0.1", headers.getString("x-forwarded-for"));
    assertEquals("http", headers.getString("x-forwarded-proto"));
    assertNotNull(headers.getString("x-forwarded-host"));
    assertNull(headers.getString("x-hop"), "a header named in Connection is hop-by-hop");
    assertEquals(b.id(), r.header("X-LB-Server"));
    assertEquals(b.id(), r.header("X-Backend-Id"));
  }

  @Test
  void roundRobinSpreadsEvenlyAndWeightedRoundRobinFollowsWeights() throws Exception {
    DemoBackend a = h.backend();
    DemoBackend b = h.backend();
    DemoBackend c = h.backend();
    h.start();
    h.defaultPool("round-robin", a, b, c);
    h.awaitTable();
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      counts.merge(h.get("/").header("X-LB-Server"), 1, Integer::sum);
    }
    assertEquals(Map.of(a.id(), 10, b.id(), 10, c.id(), 10), counts);

    h.pool(lbmesh.shared.model.Pool.fromJson(h.gateway.state().table().pools().get("default").pool().toJson()
        .put("algorithm", "weighted-round-robin")));
    h.server("default", GatewayHarness.server(a, 5));
    h.server("default", GatewayHarness.server(b, 3));
    h.server("default", GatewayHarness.server(c, 2));
    h.awaitTable();
    counts.clear();
    for (int i = 0; i < 100; i++) {
      counts.merge(h.get("/").header("X-LB-Server"), 1, Integer::sum);
    }
    assertEquals(Map.of(a.id(), 50, b.id(), 30, c.id(), 20), counts);
  }

  @Test
  void noServerGives503WithRetryAfterAsProblemJson() throws Exception {
    h.start();
    var before = h.get("/");
    assertEquals(503, before.status());
    h.defaultPool("round-robin");
    h.awaitTable();
    var r = h.get("/");
    assertEquals(503, r.status());
    assertEquals("1", r.header("Retry-After"));
    assertEquals("application/problem+json", r.header("Content-Type"));
    assertTrue(r.json().getString("detail").contains("default"));
  }
}
