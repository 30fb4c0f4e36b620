package lbmesh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.demo.DemoBackendOptions;
import lbmesh.failover.FailoverVerticle;
import lbmesh.gateway.GatewayConfig;
import lbmesh.gateway.GatewayVerticle;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.failover.FailoverMap;
import lbmesh.shared.failover.GatewayGroupSettings;
import lbmesh.shared.failover.GatewayMode;
import lbmesh.shared.failover.RoleAssignment;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import lbmesh.shared.testing.Ports;
import lbmesh.shared.testing.StandInRegistry;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, gateway roles end to end: an active-passive pair of real gateways and a real failover-service
 * leader. The active one is killed; the passive one opens its port, serves, and runs the promote hook
 * within the 2 s target; a decision with an older epoch cannot take the role away again.
 */
@Timeout(120)
class GatewayFailoverTest {
  static final long TARGET_MS = 2000;

  private final TestCluster cluster = new TestCluster();
  private final Vertx local = Vertx.vertx();
  @TempDir
  Path tmp;

  @AfterEach
  void close() throws Exception {
    cluster.close();
    local.close().await(10, TimeUnit.SECONDS);
  }

  private record Gw(Vertx vertx, GatewayVerticle verticle, int port) {
  }

  private Gw gateway(String id, int priority, Path hookMarker) throws Exception {
    ClusterSettings s = cluster.settings(lbmesh.gateway.Main.SERVICE, "dc1").withNodeId(id)
        .withGateway(new GatewayGroupSettings("edge", GatewayMode.ACTIVE_PASSIVE, priority, false));
    int port = Ports.free();
    GatewayConfig cfg = GatewayConfig.forTest(port, Ports.free()).withExposeServerHeader(true)
        .withPromoteHook("echo \"$LB_ROLE $LB_NODE_ID $LB_EPOCH\" >> " + hookMarker);
    GatewayVerticle g = new GatewayVerticle(cfg, s);
    Vertx v = cluster.start(s);
    v.deployVerticle(g).await(30, TimeUnit.SECONDS);
    return new Gw(v, g, port);
  }


  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 300);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** A GET through the gateway on `port`: the status, or 0 when it could not connect. */
  private int get(HttpClient client, int port) {
    try {
      return client.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/"))
          .compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
          .await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      return 0;
    }
  }

  @Test
  void thePassiveGatewayServesWithinTheTargetWhenTheActiveDiesAndStaleDecisionsAreIgnored() throws Exception {
    Vertx registryMember = cluster.start("registry-service", "dc1");
    StandInRegistry reg = new StandInRegistry(registryMember);
    DemoBackend backend = DemoBackend.start(local, new DemoBackendOptions().setPort(0)
        .setAgentPort(DemoBackendOptions.NO_AGENT)).await(10, TimeUnit.SECONDS);
    reg.pool(Pool.defaults(Pool.DEFAULT_POOL));
    reg.server(Pool.DEFAULT_POOL, Server.fromJson(new JsonObject().put("id", backend.id()).put("host", "127.0.0.1")
        .put("port", backend.port())));

    Path hookA = tmp.resolve("hook-a");
    Path hookB = tmp.resolve("hook-b");
    Gw a = gateway("gw-a", 100, hookA);
    Gw b = gateway("gw-b", 90, hookB);
    ClusterSettings fs = cluster.settings(FailoverMap.SERVICE, "dc1");
    FailoverVerticle leader = new FailoverVerticle(fs, "127.0.0.1", 0);
    cluster.start(fs).deployVerticle(leader).await(30, TimeUnit.SECONDS);

    // the higher priority gateway is made active, the other stays closed
    Await.until(Duration.ofSeconds(15), "gw-a active", () -> a.verticle().trafficRole().listening());
    Await.until(Duration.ofSeconds(5), "gw-a's hook ran", () -> hookA.toFile().length() > 0);
    assertEquals("passive", b.verticle().trafficRole().role());
    assertFalse(accepts(b.port()), "the passive gateway's port is closed");
    HttpClient client = local.createHttpClient();
    for (int i = 0; i < 20; i++) {
      assertEquals(200, get(client, a.port()));
    }

    // kill -9 the active gateway once the cluster is in its steady state: killed while partitions are
    // still migrating after the joins, the owner of lb.failover's entries may be the dead member, and the
    // leader's fenced write waits for the partition table to be repaired (3.9 s seen on this machine)
    Await.until(Duration.ofSeconds(30), "partitions settled",
        () -> TestCluster.hz(registryMember).getPartitionService().isClusterSafe());
    long epochBefore = leader.epoch();
    long killed = System.nanoTime();
    cluster.crash(a.vertx());
    long crashReturned = System.nanoTime();
    Await.until(Duration.ofSeconds(10), "gw-b serves", () -> get(client, b.port()) == 200);
    long servingMs = (System.nanoTime() - killed) / 1_000_000;
    System.out.printf("[it] active gateway killed; the passive one served a 200 after %d ms (%d ms of it in "
        + "TestCluster.crash closing the dead member's Vert.x)%n", servingMs, (crashReturned - killed) / 1_000_000);
    assertTrue(servingMs < TARGET_MS, "served after " + servingMs + " ms");
    Await.until(Duration.ofSeconds(5), "gw-b's hook ran", () -> hookB.toFile().length() > 0);
    List<String> hookLines = Files.readAllLines(hookB);
    assertEquals(1, hookLines.size(), "the hook runs once per promotion: " + hookLines);
    assertTrue(hookLines.get(0).startsWith("active gw-b "), hookLines.get(0));
    assertEquals(epochBefore, leader.epoch(), "a gateway failover needs no new leader");

    // a deposed leader's late decision (older epoch) naming the dead gateway active is dropped
    long current = b.verticle().failover().epoch();
    RoleAssignment stale = new RoleAssignment("edge", GatewayMode.ACTIVE_PASSIVE, "gw-a", List.of(
        new RoleAssignment.Gateway("gw-a", "active", "dc1", 100),
        new RoleAssignment.Gateway("gw-b", "passive", "dc1", 90)), current - 1);
    registryMember.eventBus().publish(Addresses.EVENTS, Event.of(EventType.GATEWAY_ROLE, "old-leader", "dc1",
        stale.toJson()).withEpoch(current - 1).toJson());
    // a marker decision for another group, current epoch, published after it: once it is applied, so was
    // (or was not) the stale one, since one sender's messages arrive in order
    RoleAssignment marker = new RoleAssignment("marker", GatewayMode.ACTIVE_PASSIVE, null, List.of(), current);
    registryMember.eventBus().publish(Addresses.EVENTS, Event.of(EventType.GATEWAY_ROLE, "old-leader", "dc1",
        marker.toJson()).withEpoch(current).toJson());
    Await.until(Duration.ofSeconds(5), "marker applied",
        () -> b.verticle().failover().roles().containsKey("marker"));
    assertEquals("gw-b", b.verticle().failover().roles().get("edge").active());
    assertTrue(b.verticle().trafficRole().listening());
    assertEquals(200, get(client, b.port()));
  }
}
