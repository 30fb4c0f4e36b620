package lbmesh.gateway;

import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.launch.Env;
import lbmesh.shared.launch.ServiceRuntime;

/** Starts a gateway: traffic on LB_HTTP_PORT (8080), admin on LB_ADMIN_PORT (9080). */
public final class Main {
  public static final String SERVICE = "gateway";

  private Main() {
  }

  public static void main(String[] args) {
    Env env = Env.system();
    GatewayConfig config = GatewayConfig.fromEnv(env);
    ClusterSettings settings = ClusterSettings.fromEnv(SERVICE, env);
    // as HAProxy's nbthread: the traffic listener spreads client connections over every event loop
    var options = ServiceRuntime.options().setEventLoopPoolSize(config.eventLoops());
    if (!env.getBoolean("LB_VERTX_HTTP_METRICS", false)) {
      // per-request Vert.x HTTP metrics cost throughput on the proxy path; the gateway's own lb_* series
      // already give requests, errors and latency per pool and server
      ((MicrometerMetricsOptions) options.getMetricsOptions())
          .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
          .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT);
    }
    ServiceRuntime.runMain(settings, options, vertx -> vertx.deployVerticle(new GatewayVerticle(config, settings)));
  }
}
