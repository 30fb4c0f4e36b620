package lbmesh.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayConfig;
import lbmesh.gateway.GatewayHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdminEndpointsTest {
  private final GatewayHarness h = new GatewayHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private String admin(String path) throws Exception {
    return h.client.request(io.vertx.core.http.HttpMethod.GET, h.config.adminPort(), "127.0.0.1", path)
        .compose(r -> r.send().compose(resp -> resp.body())).await(10, TimeUnit.SECONDS).toString();
  }

  @Test
  void readinessWaitsForTheRoutingTableAndStatusAndMetricsShowServers() throws Exception {
    DemoBackend b = h.backend();
    h.registryDown();
    // no registry: the traffic port opens after LB_INITIAL_TABLE_WAIT_MS anyway
    h.start(GatewayConfig.forTest(GatewayHarness.freePort(), GatewayHarness.freePort()).withExposeServerHeader(true)
        .withInitialTableWaitMs(300));
    assertTrue(admin("/health/ready").contains("DOWN"), "not ready before the first routing table");
    assertTrue(admin("/health/live").contains("UP"));
    assertEquals(503, h.get("/").status(), "no routing table yet: a clear 503");
    h.registryUp();
    h.defaultPool("round-robin", b);
    h.awaitTable();
    lbmesh.shared.testing.Await.until(java.time.Duration.ofSeconds(5), "ready",
        () -> {
          try {
            return admin("/health/ready").contains("\"outcome\":\"UP\"");
          } catch (Exception e) {
            return false;
          }
        });
    for (int i = 0; i < 5; i++) {
      assertEquals(200, h.get("/").status());
    }
    assertEquals(502, h.get("/?status=502").status(), "a backend's own 502 passes through");
    JsonObject status = new JsonObject(admin("/status"));
    JsonObject server = status.getJsonArray("pools").getJsonObject(0).getJsonArray("servers").getJsonObject(0);
    assertEquals(b.id(), server.getString("id"));
    assertEquals(6, server.getLong("requests"));
    assertEquals(0, server.getJsonObject("inflight").getInteger("local"));
    assertEquals(1, server.getInteger("effectiveWeight"));
    String metrics = admin("/metrics");
    assertTrue(metrics.contains("lb_requests_total{code=\"2xx\",pool=\"default\",server=\"" + b.id() + "\"} 5.0"),
        "per-server request series");
    assertTrue(metrics.contains("lb_requests_total{code=\"5xx\",pool=\"default\",server=\"" + b.id() + "\"} 1.0"));
    assertTrue(metrics.contains("lb_upstream_latency_seconds_count{pool=\"default\",server=\"" + b.id() + "\"}"));
    assertTrue(metrics.contains("lb_upstream_errors_total"));
  }

  @Test
  void theTrafficPortOpensOnlyOnceTheFirstRoutingTableIsIn() throws Exception {
    DemoBackend b = h.backend();
    h.registryDown();
    GatewayConfig cfg = GatewayConfig.forTest(GatewayHarness.freePort(), GatewayHarness.freePort())
        .withExposeServerHeader(true).withInitialTableWaitMs(60_000);
    io.vertx.core.Future<String> deployed = h.startAsync(cfg);
    lbmesh.shared.testing.Await.until(java.time.Duration.ofSeconds(10), "admin port up, not ready", () -> {
      try {
        return admin("/health/ready").contains("DOWN");
      } catch (Exception e) {
        return false;
      }
    });
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress("127.0.0.1", cfg.httpPort()), 2000);
      throw new AssertionError("the traffic port accepted a connection before the gateway had a routing table");
    } catch (java.net.ConnectException refused) {
      // a client (or a load balancer in front) tries another gateway instead of getting a 503
    }
    h.registryUp();
    h.defaultPool("round-robin", b);
    deployed.await(20, TimeUnit.SECONDS);
    assertEquals(200, h.get("/").status(), "the first request the port takes is served");
  }
}
