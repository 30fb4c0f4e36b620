package lbmesh.registry;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.logging.Logger;
import lbmesh.registry.api.ChangePublisher;
import lbmesh.registry.api.LoadReports;
import lbmesh.registry.api.RegistryApi;
import lbmesh.registry.store.RegistryStore;
import lbmesh.registry.store.SnapshotFile;
import lbmesh.registry.view.ClusterView;
import lbmesh.registry.view.EventStream;
import lbmesh.registry.view.HealthMirror;
import lbmesh.shared.cluster.ClusterBootstrap;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.failover.FailoverFollower;
import lbmesh.shared.inflight.InflightBoard;
import lbmesh.shared.inflight.InflightReport;
import lbmesh.shared.launch.AdminEndpoints;
import lbmesh.shared.launch.AdminServer;
import lbmesh.shared.model.RegistrySnapshot;

/** The registry service: store, API, snapshot replies, cluster view, event stream, dashboard and admin. */
public final class RegistryVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(RegistryVerticle.class.getName());
  private final RegistryConfig config;
  private final ClusterSettings settings;
  private RegistryStore store;
  private HttpServer server;

  public RegistryVerticle(RegistryConfig config, ClusterSettings settings) {
    this.config = config;
    this.settings = settings;
  }

  /** The port the API listens on (useful when started with port 0). */
  public int port() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() {
    HazelcastInstance hz = ClusterBootstrap.hazelcast(vertx);
    return ClusterBootstrap.openMaps(vertx, Addresses.REGISTRY_MAP, Addresses.LOAD_MAP).compose(v -> {
      store = new RegistryStore(vertx, hz, new SnapshotFile(config.dataDir()));
      return store.open();
    }).compose(state -> {
      vertx.eventBus().<JsonObject>consumer(Addresses.REGISTRY_SNAPSHOT, msg -> store.current().onComplete(ar -> {
        if (ar.succeeded()) {
          msg.reply(ar.result().toJson());
        } else {
          msg.fail(500, "registry state unavailable: " + ar.cause().getMessage());
        }
      }));
      // another registry instance wrote: keep this instance's disk copy current for a cold restart
      vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, msg -> {
        Event e = Event.fromJson(msg.body());
        if (e.version() != null && e.knownType() != null && e.knownType().isRegistryChange()
            && !settings.nodeId().equals(e.node())) {
          store.syncDisk();
        }
      });

      EventStream events = new EventStream();
      events.start(vertx);
      Router router = Router.router(vertx);
      AdminEndpoints admin = new AdminEndpoints(vertx);
      admin.readiness().register("registry-store", promise -> promise.complete(Status.OK(
          new JsonObject().put("version", store.lastKnown().version()))));
      admin.mount(router);
      router.get("/status").handler(ctx -> ctx.json(AdminServer.baseStatus(vertx, settings)
          .put("registryVersion", store.lastKnown().version()).put("eventClients", events.clientCount())));
      router.get("/events").handler(events::handle);
      // the gateways' in-flight reports, summed per server for the cluster view
      InflightBoard inflight = new InflightBoard(settings.nodeId(), (k, n) -> { });
      vertx.eventBus().<JsonObject>consumer(Addresses.INFLIGHT,
          m -> inflight.accept(InflightReport.fromJson(m.body()), System.currentTimeMillis()));
      vertx.setPeriodic(100, id -> inflight.expire(System.currentTimeMillis()));
      FailoverFollower failover = new FailoverFollower(vertx);
      failover.start();
      HealthMirror health = new HealthMirror();
      health.start(vertx, hz);
      router.get("/api/v1/cluster").handler(ctx -> {
        // nothing remote: the state as last known (this instance's writes and the events of the others),
        // the local copy of lb.health, the member list; a map read would wait on recovering partitions
        RegistrySnapshot s = store.lastKnown();
        java.util.Map<String, JsonObject> counts = new java.util.HashMap<>();
        s.pools().values().forEach(e -> e.servers().keySet().forEach(id -> {
          String key = InflightReport.key(e.pool().name(), id);
          JsonObject by = new JsonObject();
          inflight.byGateway(key).forEach(by::put);
          Double rps = inflight.rps(key);
          counts.put(key, new JsonObject()
              .put("inflight", new JsonObject().put("total", inflight.total(key)).put("byGateway", by))
              .put("rps", rps == null ? null : Math.round(rps * 10) / 10.0));
        }));
        ctx.json(ClusterView.build(hz, s, health, counts::get, failover));
      });
      new RegistryApi(store, new ChangePublisher(vertx, settings.nodeId(), settings.dc()),
          new LoadReports(vertx, hz, settings.nodeId(), settings.dc())).mount(vertx, router, config.adminToken());
      router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
      return vertx.createHttpServer().requestHandler(router).listen(config.port(), config.host());
    }).onSuccess(s -> {
      server = s;
      LOG.info(() -> "registry API on http://" + config.host() + ":" + s.actualPort() + "/api/v1");
    });
  }
}
