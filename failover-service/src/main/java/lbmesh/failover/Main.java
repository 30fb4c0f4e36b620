package lbmesh.failover;

import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.failover.FailoverMap;
import lbmesh.shared.launch.Env;
import lbmesh.shared.launch.ServiceRuntime;

/** Starts failover-service: leader election, gateway roles, DC plans; admin on LB_ADMIN_PORT (9200). */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    Env env = Env.system();
    ClusterSettings settings = ClusterSettings.fromEnv(FailoverMap.SERVICE, env);
    ServiceRuntime.runMain(settings, vertx -> vertx.deployVerticle(new FailoverVerticle(settings,
        env.get("LB_HTTP_HOST", "0.0.0.0"), env.getInt("LB_ADMIN_PORT", 9200))));
  }
}
