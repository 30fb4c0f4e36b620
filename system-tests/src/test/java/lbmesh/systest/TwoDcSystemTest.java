package lbmesh.systest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * {@code ./mesh up --dcs 2}: two DCs and a witness (13 cluster members, 15 JVMs) on a port range and state
 * directory of their own, in a surefire run of their own after the one-DC suite (see the pom). In order:
 * sticky clients across the DCs; least connections counting the other DC's requests; dc1's backends
 * killed under load through a dc1 gateway; all of dc1 killed under load through dc2's gateways; dc1 back.
 * The measured figures are logged ({@code [system-tests]} lines) for the README. Load phases last
 * {@code -Dsystem.tests.twoDc.loadSeconds} (default 6) after each kill.
 */
@Tag("two-dc")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoDcSystemTest {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  private static final long LOAD_AFTER_KILL_MS = 1000L * Integer.getInteger("system.tests.twoDc.loadSeconds", 6);
  private static final int LOOPS = 4;
  private static final List<String> DC1 =
      List.of("registry", "health", "failover-1", "failover-2", "gateway-1", "gateway-2", "backends");

  private static Mesh mesh;
  private static Mesh.Layout at;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  @RegisterExtension
  final TestWatcher logsOnFailure = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      Mesh.log(context.getDisplayName() + " failed: " + cause + "\n" + mesh.logTails(30));
    }
  };

  @BeforeAll
  static void startTwoDcs() throws Exception {
    mesh = Mesh.twoDcs();
    at = mesh.layout();
    long t0 = System.nanoTime();
    try {
      mesh.start();
    } catch (Exception | AssertionError e) {
      mesh.stop();
      throw e;
    }
    Mesh.log("two-DC mesh (./mesh up --dcs 2, 15 JVMs) up in " + Mesh.ms(t0) + " ms");
    // pool `sticky`: cookie clients over all six servers, local-first; pool `lc`: least connections, one server
    mesh.apiOk("PUT", "/pools/sticky", "{\"sticky\":{\"mode\":\"cookie\"},\"healthCheck\":{\"type\":\"http\","
        + "\"path\":\"/health\"},\"locality\":{\"mode\":\"local-first\"}}");
    for (int dc = 1; dc <= 2; dc++) {
      for (int i = 0; i < 3; i++) {
        int port = at.backendPort(dc, i);
        mesh.apiOk("PUT", "/pools/sticky/servers/backend-" + port, "{\"host\":\"" + Mesh.HOST + "\",\"port\":" + port
            + ",\"dc\":\"dc" + dc + "\"}");
      }
    }
    mesh.apiOk("PUT", "/routes/sticky", "{\"pathPrefix\":\"/sticky/\",\"pool\":\"sticky\"}");
    mesh.apiOk("PUT", "/pools/lc", "{\"algorithm\":\"least-connections\",\"healthCheck\":{\"type\":\"none\"}}");
    mesh.apiOk("PUT", "/pools/lc/servers/lc-a", server(1, 0));
    mesh.apiOk("PUT", "/routes/lc", "{\"pathPrefix\":\"/lc/\",\"pool\":\"lc\"}");
    mesh.awaitGatewaysCaughtUp();
    for (String pool : List.of("default", "sticky")) {
      Poll.untilTrue("pool " + pool + " planned local-first, each DC on its own servers", Duration.ofSeconds(30),
          () -> local(plan(pool, "dc2-failover-1")));
    }
  }

  @AfterAll
  static void stopTwoDcs() {
    if (mesh != null) {
      mesh.stop();
    }
  }

  private static String server(int dc, int i) {
    return "{\"host\":\"" + Mesh.HOST + "\",\"port\":" + at.backendPort(dc, i) + ",\"dc\":\"dc" + dc + "\"}";
  }

  private static boolean inDc2(String server) {
    if (server == null) {
      return false;
    }
    for (int i = 0; i < 3; i++) {
      if (server.equals("backend-" + at.backendPort(2, i))) {
        return true;
      }
    }
    return false;
  }

  /** A pool's DC plan as a failover instance knows it ({@code /status}), or null. */
  private static JsonObject plan(String pool, String failover) {
    JsonArray plans = mesh.get("http://" + Mesh.HOST + ":" + at.adminPort(failover) + "/status").json()
        .getJsonArray("plans", new JsonArray());
    for (int i = 0; i < plans.size(); i++) {
      if (pool.equals(plans.getJsonObject(i).getString("pool"))) {
        return plans.getJsonObject(i);
      }
    }
    return null;
  }

  /** The share of requests from gateways in {@code from} that the plan sends to {@code to}. */
  private static double share(JsonObject plan, String from, String to) {
    JsonObject shares = plan == null ? null : plan.getJsonObject("shares");
    JsonObject src = shares == null ? null : shares.getJsonObject(from);
    return src == null ? -1 : src.getDouble(to, 0.0);
  }

  private static boolean local(JsonObject plan) {
    return share(plan, "dc1", "dc1") == 1.0 && share(plan, "dc2", "dc2") == 1.0;
  }

  /** One GET with a cookie header (or none): status, X-LB-Server and the sticky cookie set, if any. */
  private static Answer get(String url, String cookie) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT).GET();
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    Map<String, List<String>> headers = new TreeMap<>();
    r.headers().map().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
    return new Answer(r.statusCode(), headers, r.body());
  }

  /** The {@code name=value} of the sticky cookie an answer sets, or null. */
  private static String cookieOf(Answer a) {
    for (String sc : a.headerValues("Set-Cookie")) {
      String pair = sc.split(";", 2)[0].trim();
      if (pair.startsWith("LBMESH=")) {
        return pair;
      }
    }
    return null;
  }

  private static void kill(String service) {
    long pid = mesh.pidOf(service).orElseThrow(() -> new AssertionError("no pid recorded for " + service));
    assertTrue(mesh.isOurs(pid, service), "pid " + pid + " is the " + service + " JVM this test started");
    assertTrue(ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false), "SIGKILL to " + service);
  }

  private static void awaitGone(long pid) {
    ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
  }

  /** Lets `load` run until it has answers from {@code ms} past `t0`, then stops it. */
  private static void runOn(Load load, long t0, long ms) throws InterruptedException {
    Poll.untilTrue("load running " + ms + " ms past the kill", Duration.ofMillis(ms + 30_000),
        () -> load.samples().stream().anyMatch(s -> s.startNanos() - t0 > ms * 1_000_000));
    load.stop();
  }

  private static void awaitLoadStarted(Load load) {
    Poll.untilTrue("load under way", Duration.ofSeconds(20), () -> load.count() >= 100);
  }

  // ---- a. sticky clients across the DCs

  @Test
  @Order(1)
  void cookieClientsAlternatingADc1AndADc2GatewayStayOnTheirServer() throws Exception {
    int clients = 4;
    int requests = 50;
    Map<Integer, String> first = new TreeMap<>();
    int switches = 0;
    int failures = 0;
    for (int c = 0; c < clients; c++) {
      String cookie = null;
      for (int i = 0; i < requests; i++) {
        String gw = (c + i) % 2 == 0 ? "gateway-1" : "dc2-gateway-1";
        Answer a = get(at.url(gw) + "/sticky/a/" + c + "/" + i, cookie);
        if (a.status() != 200) {
          failures++;
          continue;
        }
        if (cookie == null) {
          cookie = cookieOf(a);
        }
        String was = first.putIfAbsent(c, a.server());
        if (was != null && !was.equals(a.server())) {
          switches++;
        }
      }
      assertTrue(cookie != null, "client " + c + " got a sticky cookie");
    }
    Mesh.log("sticky across DCs: " + clients + " cookie clients x " + requests + " requests alternating gateway-1"
        + " (dc1) and dc2-gateway-1: " + switches + " switches, " + failures + " failed; servers " + first);
    assertEquals(0, failures, "failed requests");
    assertEquals(0, switches, "server switches");
  }

  // ---- b. least connections counts the other DC's requests

  @Test
  @Order(2)
  void leastConnectionsOnADc1GatewayAvoidsAServerBusyWithADc2GatewaysRequests() throws Exception {
    int held = 6;
    int delayMs = 8000;
    ExecutorService pool = Executors.newFixedThreadPool(held);
    List<Future<Answer>> slow = new ArrayList<>();
    HttpClient slowClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try {
      // lc-a is the pool's only server: every held request is on it, through dc2-gateway-1
      for (int i = 0; i < held; i++) {
        int n = i;
        slow.add(pool.submit(() -> {
          HttpResponse<String> r = slowClient.send(HttpRequest.newBuilder(URI.create(at.url("dc2-gateway-1")
              + "/lc/slow/" + n + "?delay=" + delayMs)).timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
          return new Answer(r.statusCode(), Map.of("x-lb-server", r.headers().allValues("X-LB-Server")), r.body());
        }));
      }
      long t0 = System.nanoTime();
      JsonObject seen = Poll.until("gateway-1 counting the " + held + " requests dc2-gateway-1 holds on lc-a",
          Duration.ofSeconds(5), Duration.ofMillis(50), () -> {
            JsonObject a = lcServer(mesh.cluster(), "lc-a");
            JsonObject local = mesh.get("http://" + Mesh.HOST + ":" + at.adminPort("gateway-1") + "/status").json();
            long byDc2 = a.getJsonObject("inflight").getJsonObject("byGateway").getLong("dc2-gateway-1", 0L);
            long onGateway1 = gatewayInflight(local, "lc-a");
            return byDc2 == held && onGateway1 == held ? a : null;
          });
      long sharedMs = Mesh.ms(t0);
      mesh.apiOk("PUT", "/pools/lc/servers/lc-b", server(1, 1));
      mesh.awaitGatewaysCaughtUp(List.of("gateway-1"));
      Map<String, Integer> spread = new TreeMap<>();
      for (int i = 0; i < 20; i++) {
        Answer a = get(at.url("gateway-1") + "/lc/fast/" + i, null);
        assertEquals(200, a.status(), a.toString());
        spread.merge(a.server(), 1, Integer::sum);
      }
      long fastDoneMs = Mesh.ms(t0);
      Mesh.log("least connections across DCs: " + held + " requests of " + delayMs + " ms held on lc-a through"
          + " dc2-gateway-1, seen by gateway-1 (dc1) within " + sharedMs + " ms (cluster view: " + seen.encode()
          + "); then 20 requests through gateway-1 went " + spread + " (done " + fastDoneMs + " ms in)");
      assertTrue(fastDoneMs < delayMs, "the fast requests ran while the slow ones were held");
      assertEquals(20, spread.getOrDefault("lc-b", 0), "gateway-1 sends everything to the idle server: " + spread);
      for (Future<Answer> f : slow) {
        Answer a = f.get(30, TimeUnit.SECONDS);
        assertEquals(200, a.status(), a.toString());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static JsonObject lcServer(JsonObject cluster, String id) {
    for (Object p : cluster.getJsonArray("pools")) {
      JsonObject pool = (JsonObject) p;
      if (pool.getString("name").equals("lc")) {
        for (Object s : pool.getJsonArray("servers")) {
          if (((JsonObject) s).getString("id").equals(id)) {
            return (JsonObject) s;
          }
        }
      }
    }
    throw new AssertionError("no server " + id + " in pool lc: " + cluster.encode());
  }

  /** A gateway's cluster-wide in-flight count of a pool-lc server, from its own /status. */
  private static long gatewayInflight(JsonObject status, String id) {
    for (Object p : status.getJsonArray("pools")) {
      JsonObject pool = (JsonObject) p;
      if (pool.getString("name").equals("lc")) {
        for (Object s : pool.getJsonArray("servers")) {
          JsonObject server = (JsonObject) s;
          if (server.getString("id").equals(id)) {
            return server.getJsonObject("inflight").getLong("total", 0L);
          }
        }
      }
    }
    return -1;
  }

  // ---- d. dc1's backends lost, its gateways alive

  @Test
  @Order(3)
  void dc1sBackendsKilledUnderLoadThroughADc1GatewayFailNoRequestAndThePlanMovesToDc2() throws Exception {
    long pid = mesh.pidOf("backends").orElseThrow();
    long kill;
    long gone;
    long planMs;
    Load load = new Load(LOOPS, Duration.ofSeconds(60), REQUEST_TIMEOUT, i -> URI.create(at.url("gateway-1") + "/d/" + i));
    try {
      awaitLoadStarted(load);
      kill = System.nanoTime();
      kill("backends");
      awaitGone(pid);
      gone = System.nanoTime();
      JsonObject moved = Poll.until("the plan of pool default sending dc1's traffic to dc2", Duration.ofSeconds(30),
          Duration.ofMillis(50), () -> {
            JsonObject p = plan("default", "dc2-failover-1");
            return share(p, "dc1", "dc2") == 1.0 ? p : null;
          });
      planMs = Mesh.ms(kill);
      Mesh.log("pool default's plan after dc1's backends died: " + moved.encode() + " (" + planMs + " ms after the kill)");
      runOn(load, kill, Math.max(LOAD_AFTER_KILL_MS, planMs));
    } finally {
      load.stop();
    }
    long before = 0;
    long after = 0;
    long dc1After = 0;
    for (Load.Sample s : load.samples()) {
      if (s.startNanos() < kill) {
        before++;
        continue;
      }
      after++;
      // until the process is gone (SIGKILL is not instant), dc1's backends may still answer
      if (s.startNanos() > gone && s.ok() && !inDc2(s.server())) {
        dc1After++;
      }
    }
    long firstDc2Ms = load.samples().stream().filter(s -> s.ok() && inDc2(s.server()))
        .mapToLong(s -> (s.endNanos() - kill) / 1_000_000).filter(ms -> ms >= 0).min().orElse(-1);
    Mesh.log("dc1's backends killed under load through gateway-1: " + load.summary() + "; " + before
        + " requests sent before the kill, " + after + " after (" + dc1After + " answered by dc1 after it was gone,"
        + " which took " + (gone - kill) / 1_000_000 + " ms);"
        + " first answer from dc2 " + firstDc2Ms + " ms after the kill; plan moved after " + planMs + " ms");
    assertEquals(List.of(), load.failures(), "failed requests");
    assertEquals(0, dc1After, "no answer from a dead dc1 backend");
    assertTrue(firstDc2Ms >= 0 && firstDc2Ms < 1000, "dc2 answers at once: " + firstDc2Ms + " ms");

    // back: ./mesh up starts only the backends; the plan returns to dc1
    long t0 = System.nanoTime();
    Mesh.Result up = mesh.run(Duration.ofSeconds(120), mesh.upArgs());
    assertEquals(0, up.exit(), up.output());
    assertTrue(up.output().lines().anyMatch(l -> l.contains("started") && l.contains(" backends ")), up.output());
    Poll.untilTrue("the plan of pool default back to dc1 for dc1", Duration.ofSeconds(60),
        () -> local(plan("default", "dc2-failover-1")));
    Mesh.log("dc1's backends back with ./mesh up --dcs 2: plan local again after " + Mesh.ms(t0) + " ms");
  }

  // ---- c. all of dc1 lost

  @Test
  @Order(4)
  void dc1LostUnderLoadThroughDc2FailsNoRequestElectsALeaderInDc2AndKeepsStickyClients() throws Exception {
    // sticky clients on dc2's servers, each entry owned by some member: those owned in dc1 must survive it
    Map<String, String> serverOf = new LinkedHashMap<>();
    Map<String, String> keyOf = new LinkedHashMap<>();
    for (int c = 0; c < 30; c++) {
      Answer a = get(at.url("dc2-gateway-1") + "/sticky/c/" + c, null);
      assertEquals(200, a.status(), a.toString());
      String cookie = cookieOf(a);
      assertTrue(cookie != null, a.toString());
      Answer again = get(at.url("dc2-gateway-2") + "/sticky/c/" + c, cookie);
      assertEquals(a.server(), again.server(), "client " + c + " on both dc2 gateways");
      serverOf.put(cookie, a.server());
      keyOf.put(cookie, cookie.substring("LBMESH=".length(), cookie.indexOf('.')));
    }
    Map<String, String> ownerDc = owners(keyOf);
    long inDc1 = ownerDc.values().stream().filter("dc1"::equals).count();
    Mesh.log("stick entries of 30 clients (servers " + new TreeMap<>(countBy(serverOf)) + "), owners by DC "
        + countBy(ownerDc));
    assertTrue(inDc1 > 0, "some entries are owned in dc1: " + ownerDc);

    JsonObject before = mesh.cluster();
    String leader = before.getJsonObject("leader").getString("nodeId");
    long epoch = before.getJsonObject("leader").getLong("epoch");
    assertTrue(!leader.startsWith("dc2-") && !leader.equals("witness"), "the leader is in dc1: " + leader);
    Map<String, Long> pids = new LinkedHashMap<>();
    DC1.forEach(s -> pids.put(s, mesh.pidOf(s).orElseThrow()));

    int registry2 = at.adminPort("dc2-registry");
    long kill;
    long takeoverMs = -1;
    JsonObject after = null;
    Load load = new Load(LOOPS, Duration.ofSeconds(90), REQUEST_TIMEOUT,
        i -> URI.create(at.url(i % 2 == 0 ? "dc2-gateway-1" : "dc2-gateway-2") + "/c/" + i));
    try {
      awaitLoadStarted(load);
      kill = System.nanoTime();
      DC1.forEach(TwoDcSystemTest::kill);
      pids.values().forEach(TwoDcSystemTest::awaitGone);
      long goneMs = Mesh.ms(kill);
      // dc1 held the Hazelcast master: its other members go only after the heartbeat timeout (README)
      after = Poll.until("a failover leader in dc2 with a newer epoch (dc2-registry's view)", Duration.ofSeconds(60),
          Duration.ofMillis(20), () -> {
            JsonObject c = mesh.cluster(registry2);
            JsonObject l = c.getJsonObject("leader");
            return l != null && l.getString("nodeId").startsWith("dc2-") && l.getLong("epoch") > epoch ? c : null;
          });
      takeoverMs = Mesh.ms(kill);
      Mesh.log("dc1 killed (7 processes, all exited " + goneMs + " ms after the first SIGKILL): new leader "
          + after.getJsonObject("leader").encode() + " in dc2-registry's view " + takeoverMs + " ms after the kill"
          + " (leader before: " + leader + ", epoch " + epoch + ")");
      // on through the new leader's first decisions
      runOn(load, kill, Math.max(LOAD_AFTER_KILL_MS, takeoverMs + 2000));
    } finally {
      load.stop();
    }
    long sentAfter = load.samples().stream().filter(s -> s.startNanos() >= kill).count();
    Mesh.log("dc1 lost under load through dc2's gateways: " + load.summary() + "; " + sentAfter
        + " requests sent after the kill");
    assertEquals(List.of(), load.failures(), "failed or hung requests through dc2");
    assertEquals(7, after.getJsonArray("members").size(), "dc2's six and the witness: " + after.getJsonArray("members"));

    // the clients stay on their servers, those whose entries were owned in dc1 included
    int switches = 0;
    int switchesOwnedInDc1 = 0;
    for (Map.Entry<String, String> e : serverOf.entrySet()) {
      for (String gw : List.of("dc2-gateway-1", "dc2-gateway-2")) {
        Answer a = get(at.url(gw) + "/sticky/c/after", e.getKey());
        assertEquals(200, a.status(), a.toString());
        if (!e.getValue().equals(a.server())) {
          switches++;
          if ("dc1".equals(ownerDc.get(keyOf.get(e.getKey())))) {
            switchesOwnedInDc1++;
          }
        }
      }
    }
    Mesh.log("sticky clients after dc1's loss: " + switches + " switches in " + 2 * serverOf.size()
        + " requests (" + switchesOwnedInDc1 + " of clients whose entry was owned in dc1, " + inDc1 + " such clients)");
    assertEquals(0, switches, "sticky clients moved");
    JsonObject witness = mesh.get("http://" + Mesh.HOST + ":" + at.adminPort("witness") + "/status").json();
    assertEquals("witness", witness.getString("role"), witness.encode());
    assertTrue(witness.getJsonObject("quorum").getBoolean("present"), witness.encode());
  }

  /** The DC of the member owning each stick key of pool sticky, asked through a Hazelcast client. */
  private static Map<String, String> owners(Map<String, String> keys) {
    ClientConfig cfg = new ClientConfig().setClusterName(mesh.clusterName());
    cfg.setProperty("hazelcast.logging.type", "jdk");
    for (int i = 0; i <= 12; i++) {
      cfg.getNetworkConfig().addAddress(Mesh.HOST + ":" + (at.hz() + i));
    }
    HazelcastInstance client = HazelcastClient.newHazelcastClient(cfg);
    try {
      Map<String, String> dcOf = new TreeMap<>();
      for (String key : keys.values()) {
        var owner = client.getPartitionService().getPartition(key).getOwner();
        String service = at.memberAt(owner.getAddress().getPort());
        dcOf.put(key, service.startsWith("dc2-") ? "dc2" : service.equals("witness") ? "dc3" : "dc1");
        assertTrue(client.getMap("lb.stick.sticky").containsKey(key), "stick entry " + key + " exists");
      }
      return dcOf;
    } finally {
      client.shutdown();
    }
  }

  private static Map<String, Integer> countBy(Map<String, String> m) {
    Map<String, Integer> counts = new TreeMap<>();
    m.values().forEach(v -> counts.merge(v, 1, Integer::sum));
    return counts;
  }

  // ---- e. dc1 back

  @Test
  @Order(5)
  void dc1BackWithMeshUpJoinsWithOneLeaderAndNoOlderEpoch() throws Exception {
    JsonObject before = mesh.cluster(at.adminPort("dc2-registry"));
    String leader = before.getJsonObject("leader").getString("nodeId");
    long epoch = before.getJsonObject("leader").getLong("epoch");
    Map<String, Long> dc2Pids = new LinkedHashMap<>();
    for (String s : at.services()) {
      if (!DC1.contains(s)) {
        dc2Pids.put(s, mesh.pidOf(s).orElseThrow());
      }
    }
    long t0 = System.nanoTime();
    Mesh.Result up = mesh.run(Duration.ofSeconds(240), mesh.upArgs());
    long upMs = Mesh.ms(t0);
    assertEquals(0, up.exit(), up.output());
    for (String s : DC1) {
      assertTrue(up.output().lines().anyMatch(l -> l.contains("started") && l.contains(" " + s + " ")), s + ":\n" + up.output());
    }
    dc2Pids.forEach((s, pid) -> assertEquals(pid, mesh.pidOf(s).orElseThrow(), s + " left alone"));
    Poll.untilTrue("13 members in both registries' views", Duration.ofSeconds(60),
        () -> mesh.cluster().getJsonArray("members").size() == 13
            && mesh.cluster(at.adminPort("dc2-registry")).getJsonArray("members").size() == 13);
    // for a few seconds, every failover instance agrees: one leader, the same, at the same epoch
    long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    int rounds = 0;
    while (System.nanoTime() < end || rounds == 0) {
      List<String> leaders = new ArrayList<>();
      for (String f : at.failovers()) {
        JsonObject s = mesh.get("http://" + Mesh.HOST + ":" + at.adminPort(f) + "/status").json();
        if ("leader".equals(s.getString("role"))) {
          leaders.add(f);
        }
        assertTrue(s.getLong("epoch") >= epoch, f + " at an older epoch: " + s.getLong("epoch") + " < " + epoch);
      }
      assertEquals(List.of(leader), leaders, "exactly one leader, the one dc2 elected");
      for (int registry : List.of(at.adminPort("registry"), at.adminPort("dc2-registry"))) {
        JsonObject l = mesh.cluster(registry).getJsonObject("leader");
        assertEquals(leader, l.getString("nodeId"));
        assertEquals(epoch, l.getLong("epoch"), "the epoch neither went back nor moved on: " + l.encode());
      }
      rounds++;
      Thread.sleep(200);
    }
    Mesh.log("dc1 back with ./mesh up --dcs 2 (7 processes started, 8 left alone) in " + upMs + " ms; 13 members, "
        + "one leader (" + leader + ", epoch " + epoch + ") on all " + at.failovers().size() + " failover instances,"
        + " checked " + rounds + " times");
    Mesh.Result status = mesh.run(Duration.ofSeconds(60), "status");
    assertEquals(0, status.exit(), status.output());
    assertTrue(status.output().lines().anyMatch(l -> l.startsWith("dc2-gateway-1 ") && l.contains(" dc2 ")), status.output());
  }
}
