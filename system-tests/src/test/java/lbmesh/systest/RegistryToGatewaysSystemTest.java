package lbmesh.systest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The real registry feeding the real gateways: every change made over the registry API is in force on both
 * gateways, as the answers' X-LB-Server shows. Each test gets a fresh pool {@code sys-web} (the three demo
 * backends again, as servers web-a, web-b, web-c) behind a route {@code /sys-web/}, so pool {@code default}
 * is left alone.
 */
@Order(2)
@ExtendWith(MeshExtension.class)
class RegistryToGatewaysSystemTest {
  private static final String POOL = "sys-web";
  private static final String PATH = "/sys-web/";
  private static final List<String> SERVERS = List.of("web-a", "web-b", "web-c");

  @BeforeEach
  void createPool(Mesh mesh) {
    mesh.apiOk("PUT", "/pools/" + POOL, "{\"algorithm\":\"round-robin\",\"healthCheck\":{\"type\":\"none\"}}");
    for (int i = 0; i < SERVERS.size(); i++) {
      mesh.apiOk("PUT", "/pools/" + POOL + "/servers/" + SERVERS.get(i),
          "{\"host\":\"" + Mesh.HOST + "\",\"port\":" + (Mesh.BACKEND_PORT + i) + "}");
    }
    mesh.apiOk("PUT", "/routes/" + POOL, "{\"pathPrefix\":\"" + PATH + "\",\"pool\":\"" + POOL + "\"}");
    mesh.awaitGatewaysCaughtUp();
  }

  @AfterEach
  void removePool(Mesh mesh) {
    mesh.api("DELETE", "/routes/" + POOL, null);
    for (String id : SERVERS) {
      mesh.api("DELETE", "/pools/" + POOL + "/servers/" + id, null);
    }
    mesh.api("DELETE", "/pools/" + POOL, null);
    mesh.awaitGatewaysCaughtUp();
  }

  @Test
  void newPoolIsSpreadOverAllItsServersByBothGateways(Mesh mesh) {
    for (int g = 1; g <= 2; g++) {
      Map<String, Integer> spread = mesh.spread(g, PATH + "x", 12);
      assertEquals(Map.of("web-a", 4, "web-b", 4, "web-c", 4), spread, "round-robin on gateway-" + g);
    }
    Answer a = mesh.get(Mesh.gatewayUrl(1) + PATH + "x");
    int port = a.json().getInteger("port");
    assertEquals(SERVERS.get(port - Mesh.BACKEND_PORT), a.server(), "X-LB-Server names the server on that port: " + a);
  }

  @Test
  void drainedServerGetsNoNewClientsOnEitherGateway(Mesh mesh) {
    mesh.apiOk("PATCH", "/pools/" + POOL + "/servers/web-b", "{\"state\":\"drain\"}");
    mesh.awaitGatewaysCaughtUp();
    for (int g = 1; g <= 2; g++) {
      Map<String, Integer> spread = mesh.spread(g, PATH + "x", 20);
      assertEquals(Set.of("web-a", "web-c"), spread.keySet(), "after drain of web-b, gateway-" + g + ": " + spread);
    }
    assertEquals("drain", mesh.apiOk("GET", "/pools/" + POOL + "/servers/web-b", null).json().getString("state"));
  }

  @Test
  void maintServerGetsNoTrafficAndReturnsWhenReady(Mesh mesh) {
    mesh.apiOk("PATCH", "/pools/" + POOL + "/servers/web-c", "{\"state\":\"maint\"}");
    mesh.awaitGatewaysCaughtUp();
    for (int g = 1; g <= 2; g++) {
      Map<String, Integer> spread = mesh.spread(g, PATH + "x", 20);
      assertEquals(Set.of("web-a", "web-b"), spread.keySet(), "after maint of web-c, gateway-" + g + ": " + spread);
    }
    mesh.apiOk("PATCH", "/pools/" + POOL + "/servers/web-c", "{\"state\":\"ready\"}");
    mesh.awaitGatewaysCaughtUp();
    for (int g = 1; g <= 2; g++) {
      assertEquals(new HashSet<>(SERVERS), mesh.spread(g, PATH + "x", 12).keySet(), "web-c back on gateway-" + g);
    }
  }

  @Test
  void algorithmChangeTakesEffectOnBothGateways(Mesh mesh) {
    // round-robin: one path goes everywhere
    assertEquals(3, mesh.spread(1, PATH + "same", 6).size(), "round-robin spreads one path");

    mesh.apiOk("PATCH", "/pools/" + POOL, "{\"algorithm\":\"url-hash\"}");
    mesh.awaitGatewaysCaughtUp();
    for (int g = 1; g <= 2; g++) {
      assertEquals("url-hash", mesh.gatewayPool(g, POOL).getString("algorithm"), "gateway-" + g + " /status");
    }
    // url-hash: each path sticks to one server, the same on both gateways (same table from the same servers)
    Map<String, String> serverOfPath = new HashMap<>();
    for (int p = 0; p < 16; p++) {
      String path = PATH + "item-" + p;
      Map<String, Integer> both = new HashMap<>(mesh.spread(1, path, 3));
      mesh.spread(2, path, 3).forEach((k, v) -> both.merge(k, v, Integer::sum));
      assertEquals(1, both.size(), "url-hash: " + path + " on both gateways went to " + both);
      serverOfPath.put(path, both.keySet().iterator().next());
    }
    assertTrue(new HashSet<>(serverOfPath.values()).size() >= 2, "16 paths all hashed to one server: " + serverOfPath);
    Mesh.log("url-hash placement of 16 paths: " + serverOfPath);
  }

  @Test
  void deletedServerLeavesBothGateways(Mesh mesh) {
    Answer del = mesh.api("DELETE", "/pools/" + POOL + "/servers/web-a", null);
    assertTrue(del.ok(), "DELETE web-a: " + del);
    assertEquals(404, mesh.api("GET", "/pools/" + POOL + "/servers/web-a", null).status());
    mesh.awaitGatewaysCaughtUp();
    for (int g = 1; g <= 2; g++) {
      Map<String, Integer> spread = mesh.spread(g, PATH + "x", 20);
      assertEquals(Set.of("web-b", "web-c"), spread.keySet(), "after DELETE web-a, gateway-" + g + ": " + spread);
      JsonArray servers = mesh.gatewayPool(g, POOL).getJsonArray("servers");
      assertFalse(servers.encode().contains("\"web-a\""), "gateway-" + g + " /status still lists web-a: " + servers);
    }
  }

  @Test
  void badInputIsRejectedWithProblemJsonAndChangesNothing(Mesh mesh) {
    JsonObject serverBefore = mesh.apiOk("GET", "/pools/" + POOL + "/servers/web-b", null).json();
    JsonObject poolBefore = mesh.apiOk("GET", "/pools/" + POOL, null).json();
    long versionBefore = mesh.cluster().getLong("registryVersion");

    assertProblem(mesh.api("PATCH", "/pools/" + POOL + "/servers/web-b", "{\"weight\":0}"), "weight");
    assertProblem(mesh.api("PATCH", "/pools/" + POOL + "/servers/web-b", "{\"weight\":257}"), "weight");
    assertProblem(mesh.api("PATCH", "/pools/" + POOL + "/servers/web-b", "{\"state\":\"sleeping\"}"), "state");
    assertProblem(mesh.api("PATCH", "/pools/" + POOL + "/servers/web-b", "{\"colour\":\"blue\"}"), null);
    assertProblem(mesh.api("PATCH", "/pools/" + POOL, "{\"algorithm\":\"fastest\"}"), "algorithm");
    assertProblem(mesh.api("PUT", "/pools/" + POOL, "{\"sticky\":{\"mode\":\"sometimes\"}}"), null);
    assertProblem(mesh.api("POST", "/pools/" + POOL + "/servers", "{\"host\":\"" + Mesh.HOST + "\",\"port\":70000}"), "port");
    assertProblem(mesh.api("PUT", "/pools/" + POOL + "/servers/web-d", "{\"port\":27001}"), null);

    assertEquals(serverBefore, mesh.apiOk("GET", "/pools/" + POOL + "/servers/web-b", null).json(), "web-b unchanged");
    assertEquals(poolBefore, mesh.apiOk("GET", "/pools/" + POOL, null).json(), "pool unchanged");
    assertEquals(3, mesh.apiOk("GET", "/pools/" + POOL + "/servers", null).jsonArray().size(), "no server added");
    assertEquals(versionBefore, mesh.cluster().getLong("registryVersion"), "registry version unchanged");
    for (int g = 1; g <= 2; g++) {
      assertEquals(Map.of("web-a", 4, "web-b", 4, "web-c", 4), mesh.spread(g, PATH + "x", 12),
          "gateway-" + g + " still spreads evenly");
    }
  }

  /** A 400 problem+json with an {@code errors} list, naming {@code field} when given. */
  private static void assertProblem(Answer a, String field) {
    assertEquals(400, a.status(), a.toString());
    String type = a.header("Content-Type");
    assertNotNull(type, a.toString());
    assertTrue(type.startsWith("application/problem+json"), "Content-Type " + type);
    JsonObject problem = a.json();
    assertEquals(400, problem.getInteger("status"), problem.encode());
    JsonArray errors = problem.getJsonArray("errors");
    assertNotNull(errors, problem.encode());
    assertFalse(errors.isEmpty(), problem.encode());
    if (field != null) {
      assertTrue(errors.stream().anyMatch(e -> ((JsonObject) e).getString("field", "").contains(field)),
          "errors name " + field + ": " + problem.encode());
    }
  }
}
