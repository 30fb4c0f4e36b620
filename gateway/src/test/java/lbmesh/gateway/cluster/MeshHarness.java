package lbmesh.gateway.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.demo.DemoBackendOptions;
import lbmesh.gateway.GatewayConfig;
import lbmesh.gateway.GatewayHarness;
import lbmesh.gateway.GatewayVerticle;
import lbmesh.gateway.Main;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.RegistrySnapshot;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import lbmesh.shared.testing.StandInRegistry;
import lbmesh.shared.testing.TestCluster;

/**
 * Several clustered gateways in one JVM: a stand-in registry member (answers snapshots, publishes
 * registry events), gateway members, and demo backends on a plain (non-member) Vert.x.
 */
final class MeshHarness implements AutoCloseable {
  final TestCluster cluster = new TestCluster();
  final Vertx local = Vertx.vertx();
  final HttpClient client = local.createHttpClient(new HttpClientOptions().setKeepAlive(true),
      new PoolOptions().setHttp1MaxSize(400).setMaxWaitQueueSize(-1));
  final List<DemoBackend> backends = new ArrayList<>();
  final List<Gateway> gateways = new ArrayList<>();
  Vertx registry;
  private StandInRegistry stand;

  record Gateway(Vertx vertx, GatewayVerticle verticle, GatewayConfig config, String dc) {
    int port() {
      return config.httpPort();
    }
  }

  MeshHarness dcAware() {
    cluster.dcAwareBackups();
    return this;
  }

  MeshHarness startRegistry(String dc) {
    registry = cluster.start("registry-service", dc);
    stand = new StandInRegistry(registry);
    return this;
  }

  RegistrySnapshot snapshot() {
    return stand.snapshot();
  }

  DemoBackend backend() throws Exception {
    DemoBackend b = DemoBackend.start(local, new DemoBackendOptions().setAgentPort(-1)).await(10, TimeUnit.SECONDS);
    backends.add(b);
    return b;
  }

  Gateway gateway(String dc, int shareIntervalMs) throws Exception {
    ClusterSettings s = cluster.settings(Main.SERVICE, dc);
    Vertx v = cluster.start(s);
    GatewayConfig cfg = GatewayConfig.forTest(GatewayHarness.freePort(), GatewayHarness.freePort())
        .withExposeServerHeader(true).withShareInterval(shareIntervalMs);
    GatewayVerticle gv = new GatewayVerticle(cfg, s);
    v.deployVerticle(gv).await(30, TimeUnit.SECONDS);
    Gateway g = new Gateway(v, gv, cfg, dc);
    gateways.add(g);
    return g;
  }

  void pool(Pool p) {
    stand.pool(p);
  }

  void server(String pool, Server s) {
    stand.server(pool, s);
  }

  static Server server(DemoBackend b, String dc, Server.State st, int maxConnections) {
    return Server.fromJson(new JsonObject().put("id", b.id()).put("host", "127.0.0.1").put("port", b.port())
        .put("dc", dc).put("state", st.wire()).put("maxConnections", maxConnections));
  }

  /** Waits until every live gateway's table has this registry version. */
  void awaitTables() {
    long v = snapshot().version();
    Await.until(Duration.ofSeconds(15), "gateways at registry v" + v, () -> gateways.stream()
        .allMatch(g -> g.verticle().state().table().version() == v));
  }

  record Reply(int status, String server) {
  }

  Future<Reply> get(Gateway g, String uri, Map<String, String> headers) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(g.port()).setURI(uri);
    headers.forEach(o::putHeader);
    return client.request(o).compose(req -> req.send().compose(resp -> resp.body()
        .map(b -> new Reply(resp.statusCode(), resp.getHeader("X-LB-Server")))));
  }

  Reply getNow(Gateway g, String uri, Map<String, String> headers) throws Exception {
    return get(g, uri, headers).await(30, TimeUnit.SECONDS);
  }

  void crash(Gateway g) {
    gateways.remove(g);
    cluster.crash(g.vertx());
  }

  @Override
  public void close() {
    cluster.close();
    try {
      local.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // teardown
    }
  }
}
