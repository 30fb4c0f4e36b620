package lbmesh.health.check;

import static lbmesh.health.check.Fixtures.HOST;
import static lbmesh.health.check.Fixtures.check;
import static lbmesh.health.check.Fixtures.http;
import static lbmesh.health.check.Fixtures.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.demo.DemoBackendOptions;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class HttpProbeTest {
  private Vertx vertx;
  private HealthProbe probe;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    this.probe = HealthProbe.create(vertx, "http");
  }

  @AfterEach
  void stop() throws Exception {
    probe.close().await(5, TimeUnit.SECONDS);
  }

  private ProbeResult run(Server s, Pool.HealthCheck cfg) throws Exception {
    return probe.probe(s, cfg).await(10, TimeUnit.SECONDS);
  }

  private DemoBackend backend() throws Exception {
    return DemoBackend.start(vertx, new DemoBackendOptions().setAgentPort(DemoBackendOptions.NO_AGENT))
        .await(10, TimeUnit.SECONDS);
  }

  private HttpServer rawServer(io.vertx.core.Handler<HttpServerRequest> handler) throws Exception {
    return vertx.createHttpServer().requestHandler(handler).listen(0, HOST).await(10, TimeUnit.SECONDS);
  }

  @Test
  void healthyBackendPassesWithItsStatus() throws Exception {
    DemoBackend b = backend();
    ProbeResult r = run(server(b.port(), null), http("/health", "200-399", null));
    assertTrue(r.ok(), r.reason());
    assertEquals("status 200", r.reason());
    assertFalse(r.agentUnreachable());
  }

  @Test
  void unhealthyBackendFailsWithStatus503() throws Exception {
    DemoBackend b = backend();
    b.setHealthy(false);
    ProbeResult r = run(server(b.port(), null), http("/health", "200-399", null));
    assertFalse(r.ok());
    assertEquals("status 503", r.reason());
    assertFalse(r.agentUnreachable(), "an HTTP failure counts");
  }

  @Test
  void statusMustFallInTheExpectedRange() throws Exception {
    DemoBackend b = backend();
    Server s = server(b.port(), null);
    assertFalse(run(s, http("/x?status=204", "200", null)).ok(), "204 is not exactly 200");
    assertEquals("status 204", run(s, http("/x?status=204", "200", null)).reason());
    assertTrue(run(s, http("/x?status=204", "200-299", null)).ok());
    assertTrue(run(s, http("/x?status=399", "200-399", null)).ok(), "the upper bound is inclusive");
    assertFalse(run(s, http("/x?status=400", "200-399", null)).ok());
    b.setHealthy(false);
    assertTrue(run(s, http("/health", "503", null)).ok(), "any single status can be the expected one");
  }

  @Test
  void bodyMustContainTheExpectedText() throws Exception {
    DemoBackend b = backend();
    Server s = server(b.port(), null);
    assertTrue(run(s, http("/health", "200-399", "\"ok\":true")).ok());
    ProbeResult wrong = run(s, http("/health", "200-399", "all systems go"));
    assertFalse(wrong.ok());
    assertTrue(wrong.reason().contains("all systems go"), wrong.reason());
  }

  @Test
  void bodyIsJudgedOnItsFirst64KiBWithoutWaitingForTheEnd() throws Exception {
    // 64 KiB of filler, then a marker, and the response never ends
    HttpServer raw = rawServer(req -> {
      req.response().setChunked(true);
      req.response().write(Buffer.buffer("early " + "x".repeat(HttpProbe.MAX_BODY_BYTES) + " late"));
    });
    Server s = server(raw.actualPort(), null);
    ProbeResult early = run(s, check("http", "GET", "/", "200", "early", 1500));
    assertTrue(early.ok(), "found within the limit, before any timeout: " + early.reason());
    ProbeResult late = run(s, check("http", "GET", "/", "200", "late", 1500));
    assertFalse(late.ok());
    assertTrue(late.reason().startsWith("body lacks"), "text past 64 KiB is not read: " + late.reason());
  }

  @Test
  void serverThatNeverAnswersTimesOut() throws Exception {
    HttpServer silent = rawServer(req -> { });
    long start = System.nanoTime();
    ProbeResult r = run(server(silent.actualPort(), null), check("http", "GET", "/health", "200-399", null, 200));
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertFalse(r.ok());
    assertEquals("timeout", r.reason());
    assertTrue(tookMs >= 190 && tookMs < 2000, "bounded by timeoutMs, took " + tookMs);
    assertTrue(r.latencyMs() >= 190, "latency " + r.latencyMs());
  }

  @Test
  void closedPortIsConnectionRefused() throws Exception {
    ProbeResult r = run(server(Fixtures.closedPort(), null), http("/health", "200-399", null));
    assertFalse(r.ok());
    assertEquals("connection refused", r.reason());
  }

  @Test
  void killedBackendFailsItsCheck() throws Exception {
    DemoBackend b = backend();
    Server s = server(b.port(), null);
    assertTrue(run(s, http("/health", "200-399", null)).ok());
    b.kill().await(5, TimeUnit.SECONDS);
    ProbeResult r = run(s, http("/health", "200-399", null));
    assertFalse(r.ok());
    assertTrue(Fixtures.refusedOrReset(r.reason()), r.reason());
  }

  @Test
  void requestUsesTheConfiguredMethodPathAndTheServersHostHeader() throws Exception {
    CompletableFuture<String> seen = new CompletableFuture<>();
    HttpServer raw = rawServer(req -> {
      seen.complete(req.method() + " " + req.uri() + " " + req.headers().get("Host"));
      req.response().end();
    });
    ProbeResult r = run(server(raw.actualPort(), null), check("http", "HEAD", "/ping?deep=1", "200", null, 2000));
    assertTrue(r.ok(), r.reason());
    assertEquals("HEAD /ping?deep=1 " + HOST + ":" + raw.actualPort(), seen.get(5, TimeUnit.SECONDS));
  }

  @Test
  void invalidExpectStatusFailsTheCheckWithoutSendingIt() throws Exception {
    ProbeResult r = run(server(1, null), http("/health", "ok", null));
    assertFalse(r.ok());
    assertTrue(r.reason().contains("expectStatus"), r.reason());
  }
}
