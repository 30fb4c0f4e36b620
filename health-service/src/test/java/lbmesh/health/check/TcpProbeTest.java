package lbmesh.health.check;

import static lbmesh.health.check.Fixtures.check;
import static lbmesh.health.check.Fixtures.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.demo.DemoBackendOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TcpProbeTest {

  @Test
  void listeningBackendPassesAndKilledOneIsRefused(Vertx vertx) throws Exception {
    HealthProbe probe = HealthProbe.create(vertx, "tcp");
    DemoBackend b = DemoBackend.start(vertx, new DemoBackendOptions().setAgentPort(DemoBackendOptions.NO_AGENT))
        .await(10, TimeUnit.SECONDS);
    ProbeResult up = probe.probe(server(b.port(), null), check("tcp", null, null, null, null, 1000))
        .await(10, TimeUnit.SECONDS);
    assertTrue(up.ok(), up.reason());
    assertEquals("connected", up.reason());

    b.setHealthy(false);
    assertTrue(probe.probe(server(b.port(), null), check("tcp", null, null, null, null, 1000))
        .await(10, TimeUnit.SECONDS).ok(), "a TCP check does not look at HTTP health");

    b.kill().await(5, TimeUnit.SECONDS);
    // the kernel may still complete a connect queued on the listener while it closes: poll for the refusal
    ProbeResult down = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    do {
      down = probe.probe(server(b.port(), null), check("tcp", null, null, null, null, 1000))
          .await(10, TimeUnit.SECONDS);
    } while (down.ok() && System.nanoTime() < deadline);
    assertFalse(down.ok(), "a killed backend is refused within 5 s");
    assertTrue(Fixtures.refusedOrReset(down.reason()), down.reason());
    probe.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void closedPortIsConnectionRefused(Vertx vertx) throws Exception {
    HealthProbe probe = HealthProbe.create(vertx, "tcp");
    ProbeResult r = probe.probe(server(Fixtures.closedPort(), null), check("tcp", null, null, null, null, 1000))
        .await(10, TimeUnit.SECONDS);
    assertFalse(r.ok());
    assertEquals("connection refused", r.reason());
    probe.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void unanswerableAddressFailsWithinTheTimeout(Vertx vertx) throws Exception {
    HealthProbe probe = HealthProbe.create(vertx, "tcp");
    // a non-routable address (TEST-NET-1 is never answered); a local firewall may refuse it instead
    ProbeResult r = probe.probe(new lbmesh.shared.model.Server("s", "192.0.2.1", 9, 1, "dc1", null, null, 0,
        java.util.List.of(), lbmesh.shared.model.Server.State.READY, 0), check("tcp", null, null, null, null, 200))
        .await(10, TimeUnit.SECONDS);
    assertFalse(r.ok());
    assertTrue(r.latencyMs() < 2000, "bounded by timeoutMs: " + r.latencyMs());
    probe.close().await(5, TimeUnit.SECONDS);
  }
}
