package lbmesh.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.demo.DemoBackendOptions;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.launch.ServiceRuntime;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.RegistrySnapshot;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.StandInRegistry;

/**
 * A gateway on a local (non-clustered) Vert.x with real demo backends and a stand-in registry that
 * answers {@code lb.registry.snapshot} and publishes registry events, as registry-service does.
 */
public final class GatewayHarness implements AutoCloseable {
  public final Vertx vertx = Vertx.vertx(ServiceRuntime.options());
  public final List<DemoBackend> backends = new ArrayList<>();
  public final HttpClient client;
  public GatewayVerticle gateway;
  public GatewayConfig config;
  private final StandInRegistry registry = new StandInRegistry(vertx);

  public GatewayHarness() {
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(200));
  }

  /** The stand-in registry answers snapshot requests (the default). */
  public void registryUp() {
    registry.up();
  }

  /** No registry answers snapshot requests until {@link #registryUp()}. */
  public void registryDown() {
    registry.down();
  }

  public DemoBackend backend() throws Exception {
    DemoBackend b = DemoBackend.start(vertx, new DemoBackendOptions()).await(10, TimeUnit.SECONDS);
    backends.add(b);
    return b;
  }

  /** Starts the gateway on free ports (exposing X-LB-Server). */
  public GatewayHarness start(GatewayConfig cfg) throws Exception {
    startAsync(cfg).await(20, TimeUnit.SECONDS);
    return this;
  }

  /** Deploys the gateway without waiting: the future completes once its traffic port is open. */
  public io.vertx.core.Future<String> startAsync(GatewayConfig cfg) {
    this.config = cfg;
    ClusterSettings s = ClusterSettings.fromEnv(Main.SERVICE, new lbmesh.shared.launch.Env(Map.of("LB_NODE_ID", "gw-test")));
    gateway = new GatewayVerticle(cfg, s);
    return vertx.deployVerticle(gateway);
  }

  public GatewayHarness start() throws Exception {
    return start(GatewayConfig.forTest(freePort(), freePort()).withExposeServerHeader(true));
  }

  public static int freePort() throws Exception {
    return lbmesh.shared.testing.Ports.free();
  }

  /** Applies a registry change and publishes its event, as registry-service would. */
  public void pool(Pool p) {
    registry.pool(p);
  }

  public void server(String pool, Server s) {
    registry.server(pool, s);
  }

  public void route(lbmesh.shared.model.Route r) {
    registry.route(r);
  }

  /** Changes the registry state without publishing an event (to make the gateway see a gap). */
  public void silently(java.util.function.UnaryOperator<RegistrySnapshot> change) {
    registry.silently(change);
  }

  public void removeServer(String pool, String id) {
    registry.removeServer(pool, id);
  }

  /** A pool `default` with these backends, ids as the backends'. */
  public void defaultPool(String algorithm, DemoBackend... bs) {
    pool(Pool.fromJson(Pool.defaults(Pool.DEFAULT_POOL).toJson().put("algorithm", algorithm)));
    for (DemoBackend b : bs) {
      server(Pool.DEFAULT_POOL, server(b, 1));
    }
  }

  public static Server server(DemoBackend b, int weight) {
    return Server.fromJson(new JsonObject().put("id", b.id()).put("host", "127.0.0.1").put("port", b.port())
        .put("weight", weight));
  }

  public long version() {
    return registry.version();
  }

  /** Waits until the gateway's routing table has caught up with the stand-in registry. */
  public void awaitTable() {
    lbmesh.shared.testing.Await.until(java.time.Duration.ofSeconds(10), "routing table at v" + registry.version(),
        () -> gateway.state().table().version() == registry.version());
  }

  public record Reply(int status, Map<String, String> headers, Buffer body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    public JsonObject json() {
      return body.toJsonObject();
    }
  }

  public Reply get(String uri) throws Exception {
    return request(HttpMethod.GET, uri, null, Map.of());
  }

  /** `n` GETs of `/` one after another, each answered 200: server id (X-LB-Server) to how many it answered. */
  public Map<String, Integer> spread(int n) throws Exception {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Reply r = get("/");
      if (r.status() != 200) {
        throw new AssertionError("request " + i + " of " + n + " answered " + r.status() + ", expected 200");
      }
      counts.merge(r.header("X-LB-Server"), 1, Integer::sum);
    }
    return counts;
  }

  public Reply request(HttpMethod method, String uri, Buffer body, Map<String, String> headers) throws Exception {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(config.httpPort())
        .setURI(uri);
    headers.forEach(o::putHeader);
    return client.request(o).compose(req -> (body == null ? req.send() : req.send(body))
        .compose(resp -> resp.body().map(b -> {
          Map<String, String> h = new HashMap<>();
          resp.headers().forEach(e -> h.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
          return new Reply(resp.statusCode(), h, b);
        }))).await(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // teardown
    }
  }
}
