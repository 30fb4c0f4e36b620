package lbmesh.gateway;

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
    // as HAProxy's nbthread: the traffic listener spreads client connections over every event loop. The
    // traffic path is on Netty (proxy.ProxyVerticle), so Vert.x's HTTP metrics see only the admin port;
    // requests, errors and latency per pool and server are the gateway's own lb_* series.
    var options = ServiceRuntime.options().setEventLoopPoolSize(config.eventLoops());
    ServiceRuntime.runMain(settings, options, vertx -> vertx.deployVerticle(new GatewayVerticle(config, settings)));
  }
}
