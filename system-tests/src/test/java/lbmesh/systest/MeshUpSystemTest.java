package lbmesh.systest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a user tries first after {@code ./mesh up}: status, the cluster, and a request through each gateway. */
@Order(1)
@ExtendWith(MeshExtension.class)
class MeshUpSystemTest {

  @Test
  void meshStatusReportsEveryServiceRunningAndReady(Mesh mesh) throws Exception {
    Mesh.Result status = mesh.run(Duration.ofSeconds(60), "status");
    assertEquals(0, status.exit(), "./mesh status exit code (0: all ready):\n" + status.output());
    for (String name : Mesh.SERVICES) {
      String line = status.output().lines().filter(l -> l.startsWith(name + " ")).findFirst().orElse("");
      assertTrue(line.contains(" running ") && line.contains(" ready ") && !line.contains("not ready"),
          name + " in ./mesh status:\n" + status.output());
    }
  }

  @Test
  void registrySeesSixClusterMembersAndALeader(Mesh mesh) {
    var cluster = mesh.cluster();
    JsonArray members = cluster.getJsonArray("members");
    Set<String> ids = new TreeSet<>();
    members.forEach(m -> ids.add(((io.vertx.core.json.JsonObject) m).getString("nodeId")));
    assertEquals(Set.of("registry", "health", "failover-1", "failover-2", "gateway-1", "gateway-2"), ids, cluster.encode());
    String leader = cluster.getJsonObject("leader").getString("nodeId");
    assertTrue(leader.startsWith("failover-"), "leader " + leader);
    assertTrue(cluster.getLong("epoch") >= 1, cluster.encode());
  }

  @Test
  void bothGatewaysRouteToAllThreeBackends(Mesh mesh) {
    for (int g = 1; g <= 2; g++) {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 12; i++) {
        Answer a = mesh.get(Mesh.gatewayUrl(g) + "/");
        assertEquals(200, a.status(), "gateway-" + g + ": " + a);
        assertEquals(a.header("X-Backend-Id"), a.server(), "X-LB-Server names the backend that answered: " + a);
        assertEquals(a.server(), a.json().getString("id"), a.toString());
        seen.add(a.server());
      }
      assertEquals(new HashSet<>(Mesh.BACKEND_IDS), seen, "backends answering through gateway-" + g);
    }
    Map<String, Integer> spread = mesh.spread(1, "/", 30);
    Mesh.log("GET / x30 through gateway-1: " + spread);
  }
}
