package lbmesh.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.model.Pool;
import lbmesh.shared.testing.Await;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryApiTest {
  private final TestCluster cluster = new TestCluster();
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final AtomicInteger poolCounter = new AtomicInteger();
  private RegistryNode node;

  @BeforeAll
  void start() throws Exception {
    node = RegistryNode.start(cluster, Files.createTempDirectory("registry-api"));
    node.vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> events.add(Event.fromJson(m.body())));
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  private String newPool() throws Exception {
    String name = "pool-" + poolCounter.incrementAndGet();
    assertEquals(201, node.put("/api/v1/pools/" + name, new JsonObject()).statusCode());
    return name;
  }

  private static JsonObject server(String host, int port) {
    return new JsonObject().put("host", host).put("port", port);
  }

  private static void assertProblem(HttpResponse<Buffer> r, int status, String field) {
    assertEquals(status, r.statusCode(), r.bodyAsString());
    assertEquals("application/problem+json", r.getHeader("Content-Type"));
    JsonObject p = r.bodyAsJsonObject();
    assertEquals(status, p.getInteger("status"));
    if (field != null) {
      JsonArray errors = p.getJsonArray("errors");
      assertNotNull(errors, "problem lists field errors: " + p);
      assertTrue(errors.stream().map(o -> ((JsonObject) o).getString("field")).anyMatch(field::equals),
          "problem names field " + field + ": " + p);
    }
  }

  @Test
  void putCreatesPoolWithDefaultsLocationAndEtag() throws Exception {
    var r = node.put("/api/v1/pools/web", new JsonObject().put("algorithm", "least-connections"));
    assertEquals(201, r.statusCode(), r.bodyAsString());
    assertEquals("/api/v1/pools/web", r.getHeader("Location"));
    JsonObject p = r.bodyAsJsonObject();
    assertEquals("least-connections", p.getString("algorithm"));
    assertEquals(Pool.DEFAULT_RETRIES, p.getInteger("retries"));
    assertEquals("none", p.getJsonObject("sticky").getString("mode"));
    assertEquals("\"" + p.getLong("version") + "\"", r.getHeader("ETag"));
    var g = node.get("/api/v1/pools/web");
    assertEquals(200, g.statusCode());
    assertEquals(p, g.bodyAsJsonObject());
    assertEquals(r.getHeader("ETag"), g.getHeader("ETag"));
    assertTrue(node.get("/api/v1/pools").bodyAsJsonArray().stream()
        .anyMatch(o -> ((JsonObject) o).getString("name").equals("web")));
  }

  @Test
  void putReplacesSettingsButKeepsServersAndPatchChangesOnlyWhatIsGiven() throws Exception {
    String pool = newPool();
    node.put("/api/v1/pools/" + pool, new JsonObject().put("algorithm", "ip-hash").put("retries", 5));
    assertEquals(201, node.post("/api/v1/pools/" + pool + "/servers", server("10.0.0.1", 80)).statusCode());
    var patched = node.call(HttpMethod.PATCH, "/api/v1/pools/" + pool,
        new JsonObject().put("healthCheck", new JsonObject().put("type", "http").put("path", "/ping")));
    assertEquals(200, patched.statusCode(), patched.bodyAsString());
    JsonObject p = patched.bodyAsJsonObject();
    assertEquals("ip-hash", p.getString("algorithm"), "PATCH keeps what it does not name");
    assertEquals(5, p.getInteger("retries"));
    assertEquals("/ping", p.getJsonObject("healthCheck").getString("path"));
    assertEquals(Pool.HealthCheck.DEFAULT.intervalMs(), p.getJsonObject("healthCheck").getInteger("intervalMs"));

    var replaced = node.put("/api/v1/pools/" + pool, new JsonObject().put("algorithm", "random"));
    assertEquals(200, replaced.statusCode());
    assertEquals(Pool.DEFAULT_RETRIES, replaced.bodyAsJsonObject().getInteger("retries"), "PUT resets to defaults");
    assertEquals(1, node.get("/api/v1/pools/" + pool + "/servers").bodyAsJsonArray().size(), "servers stay");
  }

  @Test
  void hashIncludeQueryDefaultsToOffIsStoredAndPatchedAndResetByPut() throws Exception {
    String pool = newPool();
    assertEquals(new JsonObject().put("includeQuery", false),
        node.get("/api/v1/pools/" + pool).bodyAsJsonObject().getJsonObject("hash"), "default written out");
    var put = node.put("/api/v1/pools/" + pool, new JsonObject().put("algorithm", "url-hash")
        .put("hash", new JsonObject().put("includeQuery", true)));
    assertEquals(200, put.statusCode(), put.bodyAsString());
    assertTrue(node.get("/api/v1/pools/" + pool).bodyAsJsonObject().getJsonObject("hash").getBoolean("includeQuery"));
    var patched = node.call(HttpMethod.PATCH, "/api/v1/pools/" + pool, new JsonObject().put("retries", 1));
    assertTrue(patched.bodyAsJsonObject().getJsonObject("hash").getBoolean("includeQuery"), "PATCH keeps it");
    patched = node.call(HttpMethod.PATCH, "/api/v1/pools/" + pool,
        new JsonObject().put("hash", new JsonObject().put("includeQuery", false)));
    assertEquals(200, patched.statusCode(), patched.bodyAsString());
    assertFalse(patched.bodyAsJsonObject().getJsonObject("hash").getBoolean("includeQuery"));
    node.call(HttpMethod.PATCH, "/api/v1/pools/" + pool,
        new JsonObject().put("hash", new JsonObject().put("includeQuery", true)));
    var replaced = node.put("/api/v1/pools/" + pool, new JsonObject().put("algorithm", "url-hash"));
    assertFalse(replaced.bodyAsJsonObject().getJsonObject("hash").getBoolean("includeQuery"), "PUT resets it");
    // accepted with any algorithm (ignored by the others), so switching algorithm never strands the setting
    assertEquals(200, node.put("/api/v1/pools/" + pool, new JsonObject().put("algorithm", "round-robin")
        .put("hash", new JsonObject().put("includeQuery", true))).statusCode());
  }

  @Test
  void deletingAPoolWithServersIsConflictAndAnEmptyOneGoes() throws Exception {
    String pool = newPool();
    var created = node.post("/api/v1/pools/" + pool + "/servers", server("10.0.0.2", 80));
    assertProblem(node.call(HttpMethod.DELETE, "/api/v1/pools/" + pool, null), 409, null);
    String id = created.bodyAsJsonObject().getString("id");
    assertEquals(204, node.call(HttpMethod.DELETE, "/api/v1/pools/" + pool + "/servers/" + id, null).statusCode());
    assertEquals(204, node.call(HttpMethod.DELETE, "/api/v1/pools/" + pool, null).statusCode());
    assertProblem(node.get("/api/v1/pools/" + pool), 404, null);
  }

  @Test
  void serverLifecycleWithGeneratedIdsLocationPutPatchDelete() throws Exception {
    String pool = newPool();
    var a = node.post("/api/v1/pools/" + pool + "/servers", server("10.0.1.1", 8080).put("weight", 3));
    assertEquals(201, a.statusCode(), a.bodyAsString());
    String id = a.bodyAsJsonObject().getString("id");
    assertTrue(id != null && !id.isEmpty(), "an id is generated");
    assertEquals("/api/v1/pools/" + pool + "/servers/" + id, a.getHeader("Location"));
    JsonObject s = a.bodyAsJsonObject();
    assertEquals(3, s.getInteger("weight"));
    assertEquals("ready", s.getString("state"));
    assertEquals("dc1", s.getString("dc"));

    var named = node.put("/api/v1/pools/" + pool + "/servers/web-2", server("10.0.1.2", 8080));
    assertEquals(201, named.statusCode());
    assertEquals(200, node.put("/api/v1/pools/" + pool + "/servers/web-2", server("10.0.1.2", 8081)).statusCode());

    var drained = node.call(HttpMethod.PATCH, "/api/v1/pools/" + pool + "/servers/web-2",
        new JsonObject().put("state", "drain"));
    assertEquals(200, drained.statusCode());
    assertEquals("drain", drained.bodyAsJsonObject().getString("state"));
    assertEquals(8081, drained.bodyAsJsonObject().getInteger("port"));

    JsonArray list = node.get("/api/v1/pools/" + pool + "/servers").bodyAsJsonArray();
    assertEquals(2, list.size());
    assertEquals(204, node.call(HttpMethod.DELETE, "/api/v1/pools/" + pool + "/servers/web-2", null).statusCode());
    assertProblem(node.get("/api/v1/pools/" + pool + "/servers/web-2"), 404, null);
    assertProblem(node.post("/api/v1/pools/nope/servers", server("10.0.1.3", 80)), 404, null);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "weight too low      | {\"host\":\"h\",\"port\":80,\"weight\":0}        | weight",
      "weight too high     | {\"host\":\"h\",\"port\":80,\"weight\":257}      | weight",
      "port zero           | {\"host\":\"h\",\"port\":0}                      | port",
      "port too high       | {\"host\":\"h\",\"port\":65536}                  | port",
      "empty host          | {\"host\":\"\",\"port\":80}                      | host",
      "missing host        | {\"port\":80}                                    | host",
      "wrong type          | {\"host\":\"h\",\"port\":\"80\"}                 | port",
      "unknown field       | {\"host\":\"h\",\"port\":80,\"colour\":\"red\"}  | colour",
      "bad state           | {\"host\":\"h\",\"port\":80,\"state\":\"up\"}    | state",
      "malformed json      | {\"host\":\"h\",                                 | (body)",
      "not an object       | [1,2]                                            | (body)"})
  void invalidServerIsRejectedNamingTheFieldAndChangesNothing(String why, String body, String field)
      throws Exception {
    String pool = newPool();
    node.post("/api/v1/pools/" + pool + "/servers", server("10.9.9.9", 80));
    String before = node.get("/api/v1/pools/" + pool + "/servers").bodyAsString();
    long version = snapshotVersion();
    assertProblem(node.call(HttpMethod.POST, "/api/v1/pools/" + pool + "/servers", Buffer.buffer(body)), 400, field);
    assertEquals(before, node.get("/api/v1/pools/" + pool + "/servers").bodyAsString(), "state unchanged");
    assertEquals(version, snapshotVersion(), "no version was spent");
  }

  @Test
  void duplicateHostPortInOnePoolIsConflictNamingPort() throws Exception {
    String pool = newPool();
    node.post("/api/v1/pools/" + pool + "/servers", server("10.2.0.1", 80).put("id", "a"));
    assertProblem(node.post("/api/v1/pools/" + pool + "/servers", server("10.2.0.1", 80)), 409, "port");
    node.post("/api/v1/pools/" + pool + "/servers", server("10.2.0.2", 80).put("id", "b"));
    assertProblem(node.put("/api/v1/pools/" + pool + "/servers/b", server("10.2.0.1", 80)), 409, "port");
    assertEquals(2, node.get("/api/v1/pools/" + pool + "/servers").bodyAsJsonArray().size());
  }

  @Test
  void oversizedBodyIs413() throws Exception {
    String pool = newPool();
    String big = "{\"host\":\"h\",\"port\":80,\"tags\":[\"" + "x".repeat(70 * 1024) + "\"]}";
    var r = node.call(HttpMethod.POST, "/api/v1/pools/" + pool + "/servers", Buffer.buffer(big));
    assertProblem(r, 413, null);
    assertEquals(0, node.get("/api/v1/pools/" + pool + "/servers").bodyAsJsonArray().size());
  }

  @Test
  void nonJsonContentTypeIs415() throws Exception {
    var r = node.call(HttpMethod.PUT, "/api/v1/pools/form", Buffer.buffer("algorithm=random"),
        Map.of("Authorization", "Bearer " + RegistryNode.TOKEN, "Content-Type", "application/x-www-form-urlencoded"));
    assertProblem(r, 415, null);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "unknown algorithm      | {\"algorithm\":\"fastest\"}                                   | algorithm",
      "negative interval      | {\"healthCheck\":{\"intervalMs\":-5}}                          | healthCheck.intervalMs",
      "timeout above interval | {\"healthCheck\":{\"intervalMs\":1000,\"timeoutMs\":2000}}    | healthCheck.timeoutMs",
      "unknown check type     | {\"healthCheck\":{\"type\":\"icmp\"}}                         | healthCheck.type",
      "bad sticky mode        | {\"sticky\":{\"mode\":\"magic\"}}                             | sticky.mode",
      "standby without dc     | {\"locality\":{\"mode\":\"active-standby\"}}                  | locality.primaryDc",
      "unknown nested field   | {\"timeouts\":{\"readMs\":5}}                                 | timeouts.readMs",
      "retries out of range   | {\"retries\":11}                                               | retries",
      "includeQuery not bool  | {\"hash\":{\"includeQuery\":\"yes\"}}                      | hash.includeQuery",
      "unknown hash field     | {\"hash\":{\"includePath\":true}}                         | hash.includePath",
      "hash not an object     | {\"hash\":true}                                              | hash"})
  void invalidPoolIsRejectedNamingTheField(String why, String body, String field) throws Exception {
    String pool = newPool();
    String before = node.get("/api/v1/pools/" + pool).bodyAsString();
    assertProblem(node.call(HttpMethod.PUT, "/api/v1/pools/" + pool, Buffer.buffer(body)), 400, field);
    assertProblem(node.call(HttpMethod.PATCH, "/api/v1/pools/" + pool, Buffer.buffer(body)), 400, field);
    assertEquals(before, node.get("/api/v1/pools/" + pool).bodyAsString(), "state unchanged");
  }

  @Test
  void writesNeedTheBearerTokenReadsDoNot() throws Exception {
    var none = node.call(HttpMethod.PUT, "/api/v1/pools/auth", new JsonObject(), Map.of());
    assertProblem(none, 401, null);
    assertNotNull(none.getHeader("WWW-Authenticate"));
    assertProblem(node.call(HttpMethod.PUT, "/api/v1/pools/auth", new JsonObject(),
        Map.of("Authorization", "Bearer wrong-token")), 403, null);
    assertProblem(node.get("/api/v1/pools/auth"), 404, null);
    assertEquals(200, node.get("/api/v1/pools").statusCode());
  }

  @Test
  void staleIfMatchIs412AndCurrentOneSucceeds() throws Exception {
    String pool = newPool();
    var created = node.put("/api/v1/pools/" + pool + "/servers/s1", server("10.3.0.1", 80));
    String etag = created.getHeader("ETag");
    var first = node.call(HttpMethod.PATCH, "/api/v1/pools/" + pool + "/servers/s1",
        new JsonObject().put("weight", 2), Map.of("Authorization", "Bearer " + RegistryNode.TOKEN, "If-Match", etag));
    assertEquals(200, first.statusCode(), first.bodyAsString());
    var second = node.call(HttpMethod.PATCH, "/api/v1/pools/" + pool + "/servers/s1",
        new JsonObject().put("weight", 9), Map.of("Authorization", "Bearer " + RegistryNode.TOKEN, "If-Match", etag));
    assertProblem(second, 412, null);
    assertEquals(2, node.get("/api/v1/pools/" + pool + "/servers/s1").bodyAsJsonObject().getInteger("weight"));
    assertProblem(node.call(HttpMethod.PUT, "/api/v1/pools/" + pool, new JsonObject(),
        Map.of("Authorization", "Bearer " + RegistryNode.TOKEN, "If-None-Match", "*")), 412, null);
  }

  @Test
  void routesPointAtExistingPoolsAndPinThem() throws Exception {
    String pool = newPool();
    assertProblem(node.put("/api/v1/routes/r0", new JsonObject().put("pathPrefix", "/x").put("pool", "missing")),
        400, "pool");
    assertProblem(node.put("/api/v1/routes/r0", new JsonObject().put("pathPrefix", "x").put("pool", pool)),
        400, "pathPrefix");
    var r = node.put("/api/v1/routes/api", new JsonObject().put("host", "api.example.com").put("pathPrefix", "/v1")
        .put("pool", pool));
    assertEquals(201, r.statusCode(), r.bodyAsString());
    assertEquals("/v1", node.get("/api/v1/routes/api").bodyAsJsonObject().getString("pathPrefix"));
    assertEquals(1, node.get("/api/v1/routes").bodyAsJsonArray().stream()
        .filter(o -> ((JsonObject) o).getString("name").equals("api")).count());
    assertProblem(node.call(HttpMethod.DELETE, "/api/v1/pools/" + pool, null), 409, null);
    assertEquals(204, node.call(HttpMethod.DELETE, "/api/v1/routes/api", null).statusCode());
    assertEquals(204, node.call(HttpMethod.DELETE, "/api/v1/pools/" + pool, null).statusCode());
  }

  @Test
  void everyChangePublishesItsEventWithAnIncreasingVersion() throws Exception {
    String pool = newPool();
    int mark = events.size();
    node.put("/api/v1/pools/" + pool + "/servers/e1", server("10.4.0.1", 80));
    node.call(HttpMethod.PATCH, "/api/v1/pools/" + pool + "/servers/e1", new JsonObject().put("state", "maint"));
    node.call(HttpMethod.DELETE, "/api/v1/pools/" + pool + "/servers/e1", null);
    Await.until(Duration.ofSeconds(5), "three events", () -> events.size() >= mark + 3);
    List<Event> mine = events.subList(mark, events.size()).stream()
        .filter(e -> pool.equals(e.data().getString("pool"))).toList();
    assertEquals(List.of("server.added", "server.updated", "server.removed"), mine.stream().map(Event::type).toList());
    assertTrue(mine.get(0).version() < mine.get(1).version() && mine.get(1).version() < mine.get(2).version());
    assertEquals("maint", mine.get(1).data().getJsonObject("server").getString("state"));
    assertEquals(node.settings.nodeId(), mine.get(0).node());
  }

  @Test
  void snapshotRequestReturnsTheWholeStateWithItsVersion() throws Exception {
    String pool = newPool();
    node.put("/api/v1/pools/" + pool + "/servers/snap", server("10.5.0.1", 80));
    JsonObject snap = node.vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_SNAPSHOT, null)
        .await(5, TimeUnit.SECONDS).body();
    assertTrue(snap.getLong("version") > 0);
    JsonObject p = snap.getJsonArray("pools").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("name").equals(pool)).findFirst().orElseThrow();
    assertEquals("snap", p.getJsonArray("servers").getJsonObject(0).getString("id"));
  }

  @Test
  void clusterViewShowsMembersWithPidsAndPoolsWithUnknownHealth() throws Exception {
    String pool = newPool();
    node.put("/api/v1/pools/" + pool + "/servers/cv", server("10.6.0.1", 80));
    JsonObject v = node.get("/api/v1/cluster").bodyAsJsonObject();
    JsonObject me = v.getJsonArray("members").getJsonObject(0);
    assertEquals("registry-service", me.getString("service"));
    assertEquals(ProcessHandle.current().pid(), me.getLong("pid"));
    JsonObject p = v.getJsonArray("pools").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("name").equals(pool)).findFirst().orElseThrow();
    JsonObject s = p.getJsonArray("servers").getJsonObject(0);
    assertEquals("unknown", s.getString("health"), "no health verdict is invented");
    assertFalse(v.containsKey("leader"), "no leader is invented before failover-service exists");
  }

  @Test
  void clusterViewShowsHealthAndTheConnectionLimitInForce() throws Exception {
    String pool = newPool();
    node.put("/api/v1/pools/" + pool + "/servers/lim", server("10.6.2.1", 80).put("maxConnections", 20));
    node.put("/api/v1/pools/" + pool + "/servers/free", server("10.6.2.2", 80));
    var healthMap = TestCluster.hz(node.vertx).<String, String>getMap(Addresses.HEALTH_MAP);
    healthMap.put(lbmesh.shared.health.HealthRecord.key(pool, "lim"), new lbmesh.shared.health.HealthRecord(pool, "lim",
        "up", "agent", 1, null, "ready", "hs", 5).toJson().encode());
    Map<String, JsonObject> byId = new java.util.HashMap<>();
    // the view follows lb.health through an entry listener: the verdict shows a moment after the write
    Await.until(Duration.ofSeconds(5), "the verdict in the cluster view", () -> {
      JsonObject p;
      try {
        p = node.get("/api/v1/cluster").bodyAsJsonObject().getJsonArray("pools").stream()
            .map(o -> (JsonObject) o).filter(o -> o.getString("name").equals(pool)).findFirst().orElseThrow();
      } catch (Exception e) {
        return false;
      }
      p.getJsonArray("servers").forEach(o -> byId.put(((JsonObject) o).getString("id"), (JsonObject) o));
      return "up".equals(byId.get("lim").getString("health"));
    });
    assertEquals(5, byId.get("lim").getInteger("maxConnections"), "the agent's maxconn:5 is below the registry's 20");
    assertEquals(0, byId.get("free").getInteger("maxConnections"), "no limit anywhere");
  }

  @Test
  void clusterViewSumsTheGatewaysInflightReportsPerServer() throws Exception {
    String pool = newPool();
    node.put("/api/v1/pools/" + pool + "/servers/inf", server("10.6.1.1", 80));
    String key = lbmesh.shared.inflight.InflightReport.key(pool, "inf");
    node.vertx.eventBus().publish(Addresses.INFLIGHT, new lbmesh.shared.inflight.InflightReport("gw-a", "dc1", 0, true,
        100, Map.of(key, 3)).toJson());
    node.vertx.eventBus().publish(Addresses.INFLIGHT, new lbmesh.shared.inflight.InflightReport("gw-b", "dc1", 0, true,
        100, Map.of(key, 4)).toJson());
    Await.until(Duration.ofSeconds(5), "in-flight in the cluster view", () -> {
      try {
        JsonObject v = node.get("/api/v1/cluster").bodyAsJsonObject();
        JsonObject s = v.getJsonArray("pools").stream().map(o -> (JsonObject) o)
            .filter(o -> o.getString("name").equals(pool)).findFirst().orElseThrow()
            .getJsonArray("servers").getJsonObject(0);
        JsonObject inflight = s.getJsonObject("inflight");
        return inflight.getInteger("total") == 7 && inflight.getJsonObject("byGateway").getInteger("gw-a") == 3
            && inflight.getJsonObject("byGateway").getInteger("gw-b") == 4 && s.getValue("rps") == null;
      } catch (Exception e) {
        return false;
      }
    });
    // two full reports with request totals 1000 apart give a rate; the elapsed time is the registry's own
    long t0 = System.nanoTime();
    node.vertx.eventBus().publish(Addresses.INFLIGHT, new lbmesh.shared.inflight.InflightReport("gw-a", "dc1", 1, true,
        100, Map.of(key, 3), Map.of(key, 500L)).toJson());
    // the time between two reports is the rate's denominator, not synchronisation: let some pass
    Thread.sleep(200);
    node.vertx.eventBus().publish(Addresses.INFLIGHT, new lbmesh.shared.inflight.InflightReport("gw-a", "dc1", 2, true,
        100, Map.of(key, 3), Map.of(key, 1500L)).toJson());
    double[] rps = {0};
    Await.until(Duration.ofSeconds(5), "rps in the cluster view", () -> {
      try {
        JsonObject s = node.get("/api/v1/cluster").bodyAsJsonObject().getJsonArray("pools").stream()
            .map(o -> (JsonObject) o).filter(o -> o.getString("name").equals(pool)).findFirst().orElseThrow()
            .getJsonArray("servers").getJsonObject(0);
        if (s.getValue("rps") instanceof Number n && n.doubleValue() > 0) {
          rps[0] = n.doubleValue();
          return true;
        }
        return false;
      } catch (Exception e) {
        return false;
      }
    });
    double elapsedS = (System.nanoTime() - t0) / 1e9;
    // 1000 requests over at most the time this part took, and over about 0.2 s at the least (100 ms of
    // slack for the first report's delivery)
    assertTrue(rps[0] >= 1000 / elapsedS - 1 && rps[0] <= 10_000, "rps " + rps[0] + " after " + elapsedS + " s");
  }

  @Test
  void eventStreamDeliversFilteredEventsAsSse() throws Exception {
    String pool = newPool();
    StringBuilder received = new StringBuilder();
    var client = node.vertx.createHttpClient();
    var resp = client.request(HttpMethod.GET, node.port(), "127.0.0.1", "/events?type=server.*")
        .compose(req -> req.send()).await(5, TimeUnit.SECONDS);
    assertEquals("text/event-stream; charset=utf-8", resp.getHeader("Content-Type"));
    resp.handler(b -> {
      synchronized (received) {
        received.append(b.toString());
      }
    });
    node.put("/api/v1/pools/" + pool, new JsonObject().put("retries", 1));
    node.put("/api/v1/pools/" + pool + "/servers/sse", server("10.7.0.1", 80));
    Await.until(Duration.ofSeconds(5), "server.added frame", () -> {
      synchronized (received) {
        return received.toString().contains("event: server.added");
      }
    });
    String text;
    synchronized (received) {
      text = received.toString();
    }
    assertFalse(text.contains("event: pool.updated"), "the filter drops other types");
    String data = text.lines().filter(l -> l.startsWith("data: ")).filter(l -> l.contains("\"sse\"")).findFirst()
        .orElseThrow();
    JsonObject envelope = new JsonObject(data.substring(6));
    assertEquals("server.added", envelope.getString("type"));
    assertTrue(text.lines().anyMatch(l -> l.startsWith("id: ")));
    client.close();
  }

  @Test
  void agentLoadReportsAreValidatedAndStored() throws Exception {
    String pool = newPool();
    node.put("/api/v1/pools/" + pool + "/servers/ld", server("10.8.0.1", 80));
    var ok = node.put("/api/v1/pools/" + pool + "/servers/ld/load",
        new JsonObject().put("cpu", 42.5).put("weightPercent", 50));
    assertEquals(200, ok.statusCode(), ok.bodyAsString());
    assertEquals(50, node.get("/api/v1/pools/" + pool + "/servers/ld/load").bodyAsJsonObject()
        .getInteger("weightPercent"));
    assertProblem(node.put("/api/v1/pools/" + pool + "/servers/ld/load", new JsonObject().put("cpu", 120)), 400,
        "cpu");
    assertProblem(node.put("/api/v1/pools/" + pool + "/servers/nobody/load", new JsonObject().put("cpu", 1)), 404,
        null);
  }

  private long snapshotVersion() throws Exception {
    return node.vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_SNAPSHOT, null)
        .await(5, TimeUnit.SECONDS).body().getLong("version");
  }

}
