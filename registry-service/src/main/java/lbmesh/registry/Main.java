package lbmesh.registry;

import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.launch.Env;
import lbmesh.shared.launch.Logging;
import lbmesh.shared.launch.ServiceRuntime;

/** Starts registry-service: the control plane's REST API, event stream and dashboard on port 9000. */
public final class Main {
  public static final String SERVICE = "registry-service";

  private Main() {
  }

  public static void main(String[] args) {
    Logging.configure();
    Env env = Env.system();
    RegistryConfig config;
    try {
      config = RegistryConfig.fromEnv(env);
    } catch (IllegalStateException e) {
      System.err.println("registry-service: " + e.getMessage());
      System.exit(2);
      return;
    }
    ClusterSettings settings = ClusterSettings.fromEnv(SERVICE, env);
    ServiceRuntime.runMain(settings, vertx -> vertx.deployVerticle(new RegistryVerticle(config, settings)));
  }
}
