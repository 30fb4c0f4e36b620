package lbmesh.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import lbmesh.shared.cluster.MemberRole;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.failover.FailoverMap;
import lbmesh.shared.failover.GatewayGroupSettings;
import lbmesh.shared.failover.GatewayMode;
import lbmesh.shared.failover.RoleAssignment;
import lbmesh.shared.testing.Await;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.Test;

class ClusterViewFailoverTest {

  static Map<String, JsonObject> byNode(JsonObject view, String field) {
    return view.getJsonArray(field).stream().map(o -> (JsonObject) o)
        .collect(Collectors.toMap(o -> o.getString("nodeId"), o -> o));
  }

  @Test
  void clusterViewShowsTheLeaderItsEpochAndEachGatewaysGroupModeAndRoleDroppingOlderEpochs() throws Exception {
    try (TestCluster cluster = new TestCluster()) {
      RegistryNode node = RegistryNode.start(cluster, Files.createTempDirectory("registry-view"));
      GatewayGroupSettings ap = new GatewayGroupSettings("blue", GatewayMode.ACTIVE_PASSIVE, 100, false);
      cluster.start(cluster.settings("gateway", "dc1").withNodeId("gw-a").withGateway(ap));
      cluster.start(cluster.settings("gateway", "dc2").withNodeId("gw-b").withGateway(ap));
      cluster.start(cluster.settings("gateway", "dc1").withNodeId("gw-c"));
      Vertx leader = cluster.start(cluster.settings(FailoverMap.SERVICE, "dc1").withNodeId("fo-1"));
      cluster.start(cluster.settings(FailoverMap.SERVICE, "dc1").withNodeId("fo-2"));
      cluster.start(cluster.settings(FailoverMap.SERVICE, "dc3").withNodeId("fo-w").withRole(MemberRole.WITNESS));

      JsonObject before = node.get("/api/v1/cluster").bodyAsJsonObject();
      assertEquals("unknown", byNode(before, "gateways").get("gw-a").getString("role"), "no decision yet");
      assertEquals("active", byNode(before, "gateways").get("gw-c").getString("role"), "active-active serves");

      // the failover leader's decisions, as it publishes them; then a deposed leader's late one
      RoleAssignment blue = new RoleAssignment("blue", GatewayMode.ACTIVE_PASSIVE, "gw-b", List.of(
          new RoleAssignment.Gateway("gw-a", "passive", "dc1", 100),
          new RoleAssignment.Gateway("gw-b", "active", "dc2", 100)), 7);
      RoleAssignment stale = new RoleAssignment("blue", GatewayMode.ACTIVE_PASSIVE, "gw-a", List.of(
          new RoleAssignment.Gateway("gw-a", "active", "dc1", 100),
          new RoleAssignment.Gateway("gw-b", "passive", "dc2", 100)), 6);
      var bus = leader.eventBus();
      bus.publish(Addresses.EVENTS, Event.of(EventType.LEADER_ELECTED, "fo-1", "dc1",
          new JsonObject().put("nodeId", "fo-1").put("epoch", 7)).withEpoch(7).toJson());
      // same sender, same order on arrival: when blue shows, the stale decision has been seen (and dropped)
      bus.publish(Addresses.EVENTS, Event.of(EventType.GATEWAY_ROLE, "fo-0", "dc1", stale.toJson()).withEpoch(6).toJson());
      bus.publish(Addresses.EVENTS, Event.of(EventType.GATEWAY_ROLE, "fo-1", "dc1", blue.toJson()).withEpoch(7).toJson());

      Await.until(Duration.ofSeconds(10), "the epoch-7 roles in the view", () -> {
        try {
          return "active".equals(byNode(node.get("/api/v1/cluster").bodyAsJsonObject(), "gateways").get("gw-b")
              .getString("role"));
        } catch (Exception e) {
          return false;
        }
      });
      JsonObject v = node.get("/api/v1/cluster").bodyAsJsonObject();
      assertEquals(new JsonObject().put("nodeId", "fo-1").put("epoch", 7), v.getJsonObject("leader"));
      assertEquals(7, v.getLong("epoch"));
      Map<String, JsonObject> members = byNode(v, "members");
      assertEquals("leader", members.get("fo-1").getString("role"));
      assertEquals("follower", members.get("fo-2").getString("role"));
      assertEquals("witness", members.get("fo-w").getString("role"), "a witness is neither leader nor follower");
      assertEquals("active", members.get("gw-b").getString("role"));
      Map<String, JsonObject> gws = byNode(v, "gateways");
      assertEquals(new JsonObject().put("nodeId", "gw-a").put("group", "blue").put("mode", "active-passive")
          .put("role", "passive").put("dc", "dc1").put("priority", 100), gws.get("gw-a"),
          "the epoch-6 decision was dropped");
      assertEquals("active", gws.get("gw-b").getString("role"));
      assertEquals("edge", gws.get("gw-c").getString("group"));
      assertEquals("active-active", gws.get("gw-c").getString("mode"));
    }
  }
}
