package lbmesh.gateway;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import java.util.logging.Logger;
import lbmesh.gateway.admin.StatusView;
import lbmesh.gateway.cluster.RegistryFollower;
import lbmesh.gateway.health.OutlierDetector;
import lbmesh.gateway.proxy.ProxyVerticle;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.event.EventType;
import lbmesh.shared.launch.AdminServer;

/**
 * The gateway: follows the registry into a routing table, runs one {@link ProxyVerticle} per event loop
 * on the traffic port, restores ejected servers when their time is up, and serves the admin port.
 */
public final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(GatewayVerticle.class.getName());
  static final long RESTORE_CHECK_MS = 250;

  private final GatewayConfig config;
  private final ClusterSettings settings;
  private GatewayState state;
  private volatile boolean listening;

  public GatewayVerticle(GatewayConfig config, ClusterSettings settings) {
    this.config = config;
    this.settings = settings;
  }

  public GatewayState state() {
    return state;
  }

  @Override
  public Future<?> start() {
    state = new GatewayState(vertx, config, settings.nodeId(), settings.dc());
    RegistryFollower follower = new RegistryFollower(vertx, state::install);
    vertx.setPeriodic(RESTORE_CHECK_MS, id -> restoreEjected());
    Future<?> admin = AdminServer.start(vertx, config.host(), config.adminPort(),
        () -> StatusView.build(state, AdminServer.baseStatus(vertx, settings)),
        a -> {
          a.readiness().register("routing-table", p -> p.complete(state.loaded()
              ? Status.OK(new JsonObject().put("version", state.table().version())) : Status.KO()));
          a.readiness().register("traffic-listener", p -> p.complete(listening ? Status.OK() : Status.KO()));
        });
    // the traffic port opens at once: until the first snapshot arrives requests get a clear 503
    Future<?> proxies = vertx.deployVerticle(() -> new ProxyVerticle(state),
        new DeploymentOptions().setInstances(config.eventLoops()));
    follower.start().onSuccess(v -> LOG.info(() -> "routing table loaded at registry version "
        + state.table().version()));
    return Future.all(admin, proxies).onSuccess(v -> {
      listening = true;
      LOG.info(() -> "gateway " + settings.nodeId() + " serving on " + config.host() + ":" + config.httpPort()
          + " (" + config.eventLoops() + " event loops), admin on " + config.adminPort());
    });
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
