package lbmesh.gateway.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.failover.GatewayGroupSettings;
import lbmesh.shared.failover.GatewayMode;
import lbmesh.shared.failover.RoleAssignment;
import lbmesh.shared.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The traffic port follows the leader's role decisions; promotion runs the hook. */
class TrafficRoleTest {
  private final Vertx vertx = Vertx.vertx();
  @TempDir
  Path tmp;

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Stands in for the proxy verticles: a listener on `port`. */
  private static final class Listener extends VerticleBase {
    private final int port;

    Listener(int port) {
      this.port = port;
    }

    @Override
    public Future<?> start() {
      return vertx.createHttpServer().requestHandler(r -> r.response().end("ok")).listen(port, "127.0.0.1");
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (ConnectException e) {
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  private static RoleAssignment decision(String active, long epoch) {
    return new RoleAssignment("edge", GatewayMode.ACTIVE_PASSIVE, active, List.of(
        new RoleAssignment.Gateway("gw-a", "gw-a".equals(active) ? "active" : "passive", "dc1", 100),
        new RoleAssignment.Gateway("gw-b", "gw-b".equals(active) ? "active" : "passive", "dc1", 100)), epoch);
  }

  private TrafficRole role(GatewayMode mode, int port, String hook) {
    TrafficRole[] holder = new TrafficRole[1];
    vertx.runOnContext(v -> holder[0] = new TrafficRole(vertx, new GatewayGroupSettings("edge", mode, 100, false),
        "gw-a", hook, () -> vertx.deployVerticle(new Listener(port))));
    Await.until(Duration.ofSeconds(5), "role created", () -> holder[0] != null);
    return holder[0];
  }

  private void onContext(Runnable r) {
    vertx.runOnContext(v -> r.run());
  }

  @Test
  void passiveStaysClosedOpensOnPromotionRunsTheHookAndClosesWhenDemoted() throws Exception {
    int port = GatewayHarness.freePort();
    Path marker = tmp.resolve("promoted");
    TrafficRole role = role(GatewayMode.ACTIVE_PASSIVE, port,
        "echo \"$LB_ROLE $LB_GATEWAY_GROUP $LB_NODE_ID $LB_EPOCH\" > " + marker);
    onContext(role::start);
    onContext(() -> role.apply(decision("gw-b", 1)));
    Await.until(Duration.ofSeconds(5), "ready as passive", role::ready);
    assertEquals("passive", role.role());
    assertFalse(accepts(port), "a passive gateway keeps its traffic port closed");

    onContext(() -> role.apply(decision("gw-a", 2)));
    Await.until(Duration.ofSeconds(5), "port open after promotion", () -> accepts(port));
    // the port accepts once bound; the role counts as listening when the deployment's future completes, a
    // moment later on the context
    Await.until(Duration.ofSeconds(5), "listening after promotion", role::listening);
    Await.until(Duration.ofSeconds(10), "hook ran", () -> marker.toFile().length() > 0);
    assertEquals("active edge gw-a 2", Files.readString(marker).strip());

    onContext(() -> role.apply(decision("gw-b", 3)));
    Await.until(Duration.ofSeconds(5), "port closed after demotion", () -> !accepts(port));
    assertEquals("passive", role.role());
  }

  @Test
  void activeActiveOpensAtOnceAndIgnoresRoleDecisions() throws Exception {
    int port = GatewayHarness.freePort();
    TrafficRole role = role(GatewayMode.ACTIVE_ACTIVE, port, null);
    onContext(role::start);
    Await.until(Duration.ofSeconds(5), "open", () -> accepts(port));
    CompletableFuture<Void> applied = new CompletableFuture<>();
    onContext(() -> {
      role.apply(decision("gw-b", 5));
      applied.complete(null);
    });
    applied.get(5, TimeUnit.SECONDS);
    // an undeploy would have started on the context by now; one more turn of it lets it finish closing
    CompletableFuture<Void> turn = new CompletableFuture<>();
    vertx.setTimer(200, id -> turn.complete(null));
    turn.get(5, TimeUnit.SECONDS);
    assertTrue(accepts(port));
    assertTrue(role.listening());
  }
}
