package lbmesh.health;

import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.launch.Env;
import lbmesh.shared.launch.ServiceRuntime;

/** Starts health-service: active checks of the servers it owns; admin on LB_ADMIN_PORT (9100). */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    Env env = Env.system();
    ClusterSettings settings = ClusterSettings.fromEnv(HealthVerticle.SERVICE, env);
    ServiceRuntime.runMain(settings, vertx -> vertx.deployVerticle(new HealthVerticle(settings,
        env.get("LB_HTTP_HOST", "0.0.0.0"), env.getInt("LB_ADMIN_PORT", 9100))));
  }
}
