package lbmesh.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.Test;

class RegistryDurabilityTest {

  @Test
  void coldRestartAfterAnAbruptStopRestoresEveryPoolServerAndRoute() throws Exception {
    Path data = Files.createTempDirectory("registry-durable");
    JsonArray serversBefore;
    JsonObject poolBefore;
    JsonObject routeBefore;
    try (TestCluster first = new TestCluster()) {
      RegistryNode node = RegistryNode.start(first, data);
      assertEquals(201, node.put("/api/v1/pools/shop", new JsonObject().put("algorithm", "least-connections")
          .put("sticky", new JsonObject().put("mode", "cookie"))).statusCode());
      for (int i = 1; i <= 5; i++) {
        assertEquals(201, node.put("/api/v1/pools/shop/servers/s" + i,
            new JsonObject().put("host", "10.1.0." + i).put("port", 8080).put("weight", i)).statusCode());
      }
      assertEquals(201, node.put("/api/v1/routes/shop", new JsonObject().put("pathPrefix", "/shop")
          .put("pool", "shop")).statusCode());
      serversBefore = node.get("/api/v1/pools/shop/servers").bodyAsJsonArray();
      poolBefore = node.get("/api/v1/pools/shop").bodyAsJsonObject();
      routeBefore = node.get("/api/v1/routes/shop").bodyAsJsonObject();
      // no graceful leave, no final flush: the process is gone as after kill -9
      first.crash(node.vertx);
    }
    try (TestCluster second = new TestCluster()) {
      RegistryNode node = RegistryNode.start(second, data);
      assertEquals(serversBefore, node.get("/api/v1/pools/shop/servers").bodyAsJsonArray());
      assertEquals(poolBefore, node.get("/api/v1/pools/shop").bodyAsJsonObject());
      assertEquals(routeBefore, node.get("/api/v1/routes/shop").bodyAsJsonObject());
      // versions continue from where they were: the next write gets a higher one
      long before = poolBefore.getLong("version");
      var next = node.put("/api/v1/pools/shop/servers/s6", new JsonObject().put("host", "10.1.0.6").put("port", 1));
      assertEquals(201, next.statusCode());
      assertEquals(true, next.bodyAsJsonObject().getLong("version") > before);
    }
  }
}
