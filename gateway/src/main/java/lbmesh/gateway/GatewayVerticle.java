package lbmesh.gateway;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import java.util.logging.Logger;
import lbmesh.gateway.admin.StatusView;
import lbmesh.gateway.cluster.InflightShare;
import lbmesh.gateway.failover.TrafficRole;
import lbmesh.shared.failover.FailoverFollower;
import lbmesh.shared.failover.GatewayGroupSettings;
import lbmesh.shared.registry.RegistryFollower;
import lbmesh.gateway.health.OutlierDetector;
import lbmesh.gateway.proxy.ProxyVerticle;
import lbmesh.gateway.sticky.ClusterStickStore;
import lbmesh.gateway.sticky.StickyCookie;
import lbmesh.shared.cluster.ClusterBootstrap;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.EventType;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.launch.AdminServer;

/**
 * The gateway: follows the registry into a routing table, runs one {@link ProxyVerticle} per event loop
 * on the traffic port, restores ejected servers when their time is up, and serves the admin port.
 */
public final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(GatewayVerticle.class.getName());
  static final long RESTORE_CHECK_MS = 250;
  /** How often a slow-starting server's weight steps up. */
  static final long SLOW_START_STEP_MS = 1000;
  /** How often the stick-table renewal sweep is considered. */
  static final long SWEEP_TICK_MS = 250;

  private final GatewayConfig config;
  private final ClusterSettings settings;
  static final String SECRETS_MAP = "lb.secrets";
  static final String STICKY_SECRET_KEY = "sticky-cookie-hmac";
  private long lastSweep;
  private GatewayState state;
  private InflightShare share;
  private TrafficRole role;
  private FailoverFollower failover;

  public GatewayVerticle(GatewayConfig config, ClusterSettings settings) {
    this.config = config;
    this.settings = settings;
  }

  public GatewayState state() {
    return state;
  }

  /** This gateway's traffic role (active, passive). */
  public TrafficRole trafficRole() {
    return role;
  }

  /** The failover leader's decisions as this gateway applies them; null when not clustered. */
  public FailoverFollower failover() {
    return failover;
  }

  @Override
  public Future<?> start() {
    state = new GatewayState(vertx, config, settings.nodeId(), settings.dc());
    share = new InflightShare(vertx, state.stats(), settings.nodeId(), settings.dc(), config.shareIntervalMs());
    share.start();
    RegistryFollower follower = new RegistryFollower(vertx, snapshot -> {
      state.install(snapshot);
      share.refreshRemote();
    });
    vertx.setPeriodic(RESTORE_CHECK_MS, id -> restoreEjected());
    // health verdicts and agent weights from health-service: the table follows them
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
      String type = m.body().getString("type");
      JsonObject d = m.body().getJsonObject("data");
      HealthRecord h = HealthRecord.verdictOf(type, d);
      if (h != null) {
        state.health(h);
        if (EventType.HEALTH_UP.wire().equals(type)) {
          unejectOnActiveCheck(h);
        }
      } else if (EventType.LOAD_CHANGED.wire().equals(type) && d != null && d.getString("pool") != null
          && d.getInteger("weightPercent") != null) {
        // a load report an agent pushed through the registry API: only its weight applies
        state.pushedWeight(d.getString("pool"), d.getString("id"), d.getInteger("weightPercent"));
      }
    });
    vertx.setPeriodic(SLOW_START_STEP_MS, id -> {
      if (state.table().ramping(System.currentTimeMillis())) {
        state.rebuild();
      }
    });
    GatewayGroupSettings group = settings.gateway() == null ? GatewayGroupSettings.DEFAULT : settings.gateway();
    role = new TrafficRole(vertx, group, settings.nodeId(), config.promoteHook(),
        () -> vertx.deployVerticle(new ProxyVerticle(state)));
    Future<?> admin = AdminServer.start(vertx, config.host(), config.adminPort(),
        () -> StatusView.build(state, share.board(), AdminServer.baseStatus(vertx, settings)
            .put("gateway", role.toJson())),
        a -> {
          a.readiness().register("routing-table", p -> p.complete(state.loaded()
              ? Status.OK(new JsonObject().put("version", state.table().version())) : Status.KO()));
          // a passive gateway of an active-passive group is ready: standing by with its port closed is its job
          a.readiness().register("traffic-listener", p -> p.complete(
              role.ready() ? Status.OK(role.toJson()) : Status.KO(role.toJson())));
        });
    Future<Void> sticky = vertx.isClustered() ? clusterSticky() : Future.succeededFuture();
    Future<Void> health = vertx.isClustered() ? loadHealth() : Future.succeededFuture();
    Future<Void> following = vertx.isClustered() ? followFailover(group) : Future.succeededFuture();
    Future<Void> firstTable = follower.start().onSuccess(v -> LOG.info(() -> "routing table loaded at registry version "
        + state.table().version()));
    // The traffic port opens once the first routing table is in, as Envoy warms a listener before it
    // accepts: a restarted gateway that a client or DNS round robin reaches would otherwise answer 503
    // until then. With no registry to be reached it opens after LB_INITIAL_TABLE_WAIT_MS, answering a
    // clear 503 until a table comes. (A passive gateway opens on promotion, see TrafficRole.)
    Future<Void> warmed = firstTableWithin(firstTable, config.initialTableWaitMs());
    return Future.all(admin, sticky, health, following).compose(v -> warmed).compose(v -> role.start()).onSuccess(v ->
        LOG.info(() -> "gateway " + settings.nodeId() + (role.listening() ? " serving on " + config.host() + ":"
            + config.httpPort() + " (" + config.eventLoops() + " event loops)" : " standing by (passive)")
            + ", admin on " + config.adminPort()));
  }

  /** Completes with the first routing table, or after `ms` without one (logged: the gateway opens regardless). */
  private Future<Void> firstTableWithin(Future<Void> firstTable, int ms) {
    Promise<Void> opened = Promise.promise();
    long timer = vertx.setTimer(ms, id -> {
      if (opened.tryComplete()) {
        LOG.warning(() -> "no routing table from the registry within " + ms + " ms: opening the traffic port anyway,"
            + " requests get 503 until the registry answers (LB_INITIAL_TABLE_WAIT_MS)");
      }
    });
    firstTable.onComplete(ar -> {
      vertx.cancelTimer(timer);
      opened.tryComplete();
    });
    return opened.future();
  }

  /** The failover leader's decisions: this gateway's role and each pool's DC plan, epoch-fenced. */
  private Future<Void> followFailover(GatewayGroupSettings group) {
    failover = new FailoverFollower(vertx);
    failover.onChange(() -> {
      state.plans(failover.plans());
      role.apply(failover.roles().get(group.group()));
    });
    return failover.start();
  }

  /** Stick tables in the cluster, with the cookie secret every gateway shares (LB_STICKY_SECRET or generated once). */
  private Future<Void> clusterSticky() {
    var hz = ClusterBootstrap.hazelcast(vertx);
    ClusterStickStore store = new ClusterStickStore(vertx, hz);
    return vertx.executeBlocking(() -> {
      String secret = config.stickySecret();
      if (secret == null) {
        com.hazelcast.map.IMap<String, String> secrets = hz.getMap(SECRETS_MAP);
        String fresh = java.util.HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(32));
        String prev = secrets.putIfAbsent(STICKY_SECRET_KEY, fresh);
        secret = prev == null ? fresh : prev;
      }
      return secret;
    }).map(secret -> {
      state.sticky(store, new StickyCookie(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      // a tick well below the shortest sweep period, so a sweep is never a whole tick late
      vertx.setPeriodic(SWEEP_TICK_MS, id -> {
        long now = System.currentTimeMillis();
        if (now - lastSweep >= sweepPeriodMs()) {
          lastSweep = now;
          store.sweep();
        }
      });
      return null;
    });
  }

  /** The verdicts health-service wrote before this gateway started (later ones arrive as events). */
  private Future<Void> loadHealth() {
    // getMap creates the proxy cluster-wide: a remote call, off the event loop like the read
    var hz = ClusterBootstrap.hazelcast(vertx);
    return vertx.executeBlocking(() -> hz.<String, String>getMap(Addresses.HEALTH_MAP).values()).map(values -> {
      state.health(values.stream().map(v -> HealthRecord.fromJson(new JsonObject(v))).toList());
      return null;
    });
  }

  /** Renew stick entries often enough for the shortest TTL in use (a quarter of it, 250 ms to 60 s). */
  private long sweepPeriodMs() {
    int minTtl = state.table().pools().values().stream().mapToInt(p -> p.pool().sticky().ttlSeconds()).min()
        .orElse(240);
    return Math.max(SWEEP_TICK_MS, Math.min(60_000, minTtl * 250L));
  }

  /** A server health-service found up again is not kept out by an older passive ejection. */
  private void unejectOnActiveCheck(HealthRecord h) {
    var st = state.stats().get(lbmesh.gateway.route.RoutingTable.statsKey(h.pool(), h.id()));
    if (st != null && OutlierDetector.uneject(st, System.currentTimeMillis())) {
      state.publish(EventType.OUTLIER_RESTORED, new JsonObject().put("pool", h.pool()).put("server", h.id())
          .put("ejections", st.ejections()).put("reason", "active health check up"));
    }
  }

  private void restoreEjected() {
    long now = System.currentTimeMillis();
    state.stats().values().forEach(s -> {
      if (OutlierDetector.expired(s, now)) {
        state.publish(EventType.OUTLIER_RESTORED, new JsonObject().put("pool", s.pool()).put("server", s.id())
            .put("ejections", s.ejections()));
      }
    });
  }
}
