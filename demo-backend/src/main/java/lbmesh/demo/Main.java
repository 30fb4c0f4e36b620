package lbmesh.demo;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/** Runs one or more demo backends in one JVM: {@code java -jar demo-backend.jar --ports 7001,7002}. */
public final class Main {

  private static final long START_TIMEOUT_SECONDS = 30;

  private Main() {}

  public static void main(String[] args) {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(LaunchConfig.USAGE);
      return;
    }
    LaunchConfig config;
    try {
      config = LaunchConfig.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("demo-backend: " + e.getMessage());
      System.err.println(LaunchConfig.USAGE);
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    for (int i = 0; i < config.ports().size(); i++) {
      DemoBackendOptions options = new DemoBackendOptions()
          .setHost(config.host())
          .setPort(config.ports().get(i))
          .setAgentPort(config.agentPorts().get(i));
      try {
        DemoBackend backend = DemoBackend.start(vertx, options)
            .await(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        System.out.println("demo-backend " + backend.id() + " listening on " + config.host() + ":"
            + backend.port() + ", agent port "
            + (backend.agentPort() < 0 ? "none" : String.valueOf(backend.agentPort())));
      } catch (Exception e) {
        // One backend that cannot start makes the whole set useless to compose and to ./mesh.
        System.err.println("demo-backend: " + e.getMessage());
        System.exit(1);
      }
    }
  }
}
