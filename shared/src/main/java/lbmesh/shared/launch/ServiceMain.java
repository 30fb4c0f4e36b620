package lbmesh.shared.launch;

import io.vertx.core.Vertx;
import lbmesh.shared.cluster.ClusterSettings;

/**
 * The whole main of a service that, so far, only joins the cluster and serves its admin port
 * (health, metrics, status). Services grow their own mains as their issues land.
 */
public final class ServiceMain {
  private ServiceMain() {
  }

  public static Vertx run(String service, int defaultAdminPort) {
    Env env = Env.system();
    ClusterSettings s = ClusterSettings.fromEnv(service, env);
    int port = env.getInt("LB_ADMIN_PORT", defaultAdminPort);
    String host = env.get("LB_HTTP_HOST", "0.0.0.0");
    return ServiceRuntime.runMain(s, vertx -> AdminServer.start(vertx, host, port,
        () -> AdminServer.baseStatus(vertx, s), admin -> { }));
  }
}
