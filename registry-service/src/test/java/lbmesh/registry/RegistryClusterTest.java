package lbmesh.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import lbmesh.registry.store.SnapshotFile;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.testing.Await;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.Test;

class RegistryClusterTest {

  @Test
  void twoActiveRegistriesNeitherLoseNorDuplicateWritesAndEventsReachAThirdMember() throws Exception {
    try (TestCluster cluster = new TestCluster()) {
      var dirA = Files.createTempDirectory("reg-a");
      var dirB = Files.createTempDirectory("reg-b");
      RegistryNode a = RegistryNode.start(cluster, dirA);
      RegistryNode b = RegistryNode.start(cluster, dirB);
      Vertx listener = cluster.start("gateway", "dc1");
      List<Event> seen = new CopyOnWriteArrayList<>();
      listener.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> seen.add(Event.fromJson(m.body())))
          .completion().await(5, TimeUnit.SECONDS);

      assertEquals(201, a.put("/api/v1/pools/p", new JsonObject()).statusCode());
      assertEquals(200, b.get("/api/v1/pools/p").statusCode(), "a write through one is read through the other");

      // 25 concurrent writes through each instance
      int perNode = 25;
      List<Future<HttpResponse<Buffer>>> writes = new ArrayList<>();
      for (int i = 0; i < perNode; i++) {
        for (RegistryNode n : List.of(a, b)) {
          String id = (n == a ? "a" : "b") + i;
          writes.add(n.client.put(n.port(), "127.0.0.1", "/api/v1/pools/p/servers/" + id)
              .putHeader("Authorization", "Bearer " + RegistryNode.TOKEN)
              .sendJsonObject(new JsonObject().put("host", "10.0." + (n == a ? 1 : 2) + "." + i).put("port", 80)));
        }
      }
      Future.all(writes).await(60, TimeUnit.SECONDS);
      writes.forEach(f -> assertEquals(201, f.result().statusCode(), f.result().bodyAsString()));

      assertEquals(2 * perNode, a.get("/api/v1/pools/p/servers").bodyAsJsonArray().size());
      assertEquals(2 * perNode, b.get("/api/v1/pools/p/servers").bodyAsJsonArray().size());

      Await.until(Duration.ofSeconds(10), "every event on the third member",
          () -> seen.stream().filter(e -> e.type().equals("server.added")).count() == 2 * perNode);
      List<Long> versions = seen.stream().filter(e -> e.type().equals("server.added")).map(Event::version).toList();
      assertEquals(2 * perNode, new HashSet<>(versions).size(), "each write got its own version");
      Set<String> writers = seen.stream().map(Event::node).collect(Collectors.toSet());
      assertTrue(writers.containsAll(Set.of(a.settings.nodeId(), b.settings.nodeId())));

      // both instances keep a current disk copy, so either alone survives a cold restart
      long last = versions.stream().mapToLong(Long::longValue).max().orElseThrow();
      Await.until(Duration.ofSeconds(10), "disk copies current", () -> {
        try {
          return new SnapshotFile(dirA).read().version() == last && new SnapshotFile(dirB).read().version() == last;
        } catch (Exception e) {
          return false;
        }
      });
    }
  }
}
