package lbmesh.shared.launch;

import com.hazelcast.cluster.ClusterState;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import lbmesh.shared.cluster.ClusterBootstrap;

/**
 * The admin endpoints every service serves: {@code /health/live}, {@code /health/ready} (vertx-health-check,
 * with the cluster state as a readiness procedure) and {@code /metrics} (Prometheus). Services add their
 * own readiness procedures to {@link #readiness()} and their own {@code /status}.
 */
public final class AdminEndpoints {
  private final HealthChecks liveness;
  private final HealthChecks readiness;

  public AdminEndpoints(Vertx vertx) {
    this.liveness = HealthChecks.create(vertx);
    this.readiness = HealthChecks.create(vertx);
    liveness.register("event-loop", promise -> promise.complete(Status.OK()));
    if (vertx.isClustered()) {
      HazelcastInstance hz = ClusterBootstrap.hazelcast(vertx);
      readiness.register("cluster", 2000, promise -> {
        boolean running = hz.getLifecycleService().isRunning();
        ClusterState state = running ? hz.getCluster().getClusterState() : null;
        JsonObject data = new JsonObject()
            .put("running", running)
            .put("state", String.valueOf(state))
            .put("members", running ? hz.getCluster().getMembers().size() : 0);
        promise.complete(running && state == ClusterState.ACTIVE ? Status.OK(data) : Status.KO(data));
      });
    }
  }

  public HealthChecks readiness() {
    return readiness;
  }

  /** Mounts the admin routes on `router`. */
  public Router mount(Router router) {
    router.get("/health/live").handler(HealthCheckHandler.createWithHealthChecks(liveness));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness));
    router.get("/metrics").handler(PrometheusScrapingHandler.create());
    return router;
  }
}
