package lbmesh.health.check;

import static lbmesh.health.check.Fixtures.HOST;
import static lbmesh.health.check.Fixtures.check;
import static lbmesh.health.check.Fixtures.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
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
class AgentProbeTest {
  private static final Pool.HealthCheck AGENT = check("agent", null, null, null, null, 1000);

  private Vertx vertx;
  private HealthProbe probe;
  private DemoBackend backend;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    probe = HealthProbe.create(vertx, "agent");
    backend = DemoBackend.start(vertx, new DemoBackendOptions()).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    probe.close().await(5, TimeUnit.SECONDS);
  }

  private ProbeResult ask(String line) throws Exception {
    backend.setAgentReply(line);
    return probe.probe(server(backend.port(), backend.agentPort()), AGENT).await(10, TimeUnit.SECONDS);
  }

  private ProbeResult askRaw(java.util.function.Consumer<NetSocket> agent, Pool.HealthCheck cfg) throws Exception {
    NetServer raw = vertx.createNetServer().connectHandler(agent::accept).listen(0, HOST).await(10, TimeUnit.SECONDS);
    return probe.probe(server(backend.port(), raw.actualPort()), cfg).await(10, TimeUnit.SECONDS);
  }

  @Test
  void upWithPercentPassesWithTheWeight() throws Exception {
    ProbeResult r = ask("up 75%");
    assertTrue(r.ok());
    assertFalse(r.agentUnreachable());
    assertEquals(AgentReply.Operational.UP, r.agent().operational());
    assertEquals(75, r.agent().weightPercent());
    assertEquals("agent up 75%", r.reason());
  }

  @Test
  void downWithReasonFailsAndCarriesTheReason() throws Exception {
    ProbeResult r = ask("down#disk full");
    assertFalse(r.ok());
    assertFalse(r.agentUnreachable(), "an agent that says down is counted, not unreachable: " + r.reason());
    assertEquals("disk full", r.agent().reason());
    assertEquals("agent down: disk full", r.reason());
  }

  @Test
  void everyWordTheDemoAgentCanSayIsParsed() throws Exception {
    assertEquals(Server.State.DRAIN, ask("drain").agent().adminState());
    assertEquals(Server.State.MAINT, ask("maint").agent().adminState());
    assertEquals(Server.State.READY, ask("ready").agent().adminState());
    assertEquals(50, ask("weight:50").agent().weightPercent());
    assertEquals(30, ask("maxconn:30").agent().maxconn());
    assertFalse(ask("fail").ok());
    assertFalse(ask("stopped#deploy").ok());
    assertTrue(ask("drain").ok(), "drain is administrative, not a failed check");
    ProbeResult combo = ask("UP, Ready\t80% maxconn:10");
    assertTrue(combo.ok());
    assertEquals(Server.State.READY, combo.agent().adminState());
    assertEquals(80, combo.agent().weightPercent());
    assertEquals(10, combo.agent().maxconn());
  }

  @Test
  void garbageReplyIsUnreachableNotFailure() throws Exception {
    ProbeResult r = ask("hello world");
    assertTrue(r.agentUnreachable());
    assertNull(r.agent());
    assertTrue(r.reason().contains("invalid reply"), r.reason());
  }

  @Test
  void killedAgentIsUnreachableNotFailure() throws Exception {
    int agentPort = backend.agentPort();
    backend.kill().await(5, TimeUnit.SECONDS);
    ProbeResult r = probe.probe(server(backend.port(), agentPort), AGENT).await(10, TimeUnit.SECONDS);
    assertTrue(r.agentUnreachable(), "an agent that cannot be reached is not a failure");
    assertFalse(r.ok());
  }

  @Test
  void closedAgentPortIsUnreachableWithConnectionRefused() throws Exception {
    ProbeResult r = probe.probe(server(backend.port(), Fixtures.closedPort()), AGENT).await(10, TimeUnit.SECONDS);
    assertTrue(r.agentUnreachable());
    assertEquals("agent unreachable: connection refused", r.reason());
  }

  @Test
  void serverWithoutAgentPortIsUnreachable() throws Exception {
    ProbeResult r = probe.probe(server(backend.port(), null), AGENT).await(10, TimeUnit.SECONDS);
    assertTrue(r.agentUnreachable());
  }

  @Test
  void agentThatAcceptsButNeverWritesTimesOutAsUnreachable() throws Exception {
    long start = System.nanoTime();
    ProbeResult r = askRaw(socket -> { }, check("agent", null, null, null, null, 200));
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(r.agentUnreachable());
    assertEquals("agent unreachable: timeout", r.reason());
    assertTrue(tookMs >= 190 && tookMs < 2000, "bounded by timeoutMs, took " + tookMs);
  }

  @Test
  void lineEndedByCloseWithoutNewlineIsRead() throws Exception {
    ProbeResult r = askRaw(socket -> socket.end(Buffer.buffer("maint")), AGENT);
    org.junit.jupiter.api.Assertions.assertNotNull(r.agent(), r.reason());
    assertEquals(Server.State.MAINT, r.agent().adminState());
  }

  @Test
  void onlyTheFirstLineAndAtMost512BytesAreRead() throws Exception {
    ProbeResult first = askRaw(socket -> socket.write(Buffer.buffer("drain\nup 10%\n")), AGENT);
    assertEquals(Server.State.DRAIN, first.agent().adminState());
    assertNull(first.agent().weightPercent(), "the second line is not read");

    // a long line that never ends: the probe stops at 512 bytes instead of waiting for the timeout
    String head = "60% " + " ".repeat(AgentProbe.MAX_LINE_BYTES);
    ProbeResult longLine = askRaw(socket -> socket.write(Buffer.buffer(head + "drain")),
        check("agent", null, null, null, null, 1500));
    assertEquals(60, longLine.agent().weightPercent());
    assertNull(longLine.agent().adminState(), "words past 512 bytes are not read");
    assertTrue(longLine.latencyMs() < 1000, "did not wait for the timeout: " + longLine.latencyMs());
  }
}
