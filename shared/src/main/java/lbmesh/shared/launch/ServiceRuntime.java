package lbmesh.shared.launch;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import lbmesh.shared.cluster.ClusterBootstrap;
import lbmesh.shared.cluster.ClusterSettings;

/** Starts a service's clustered Vert.x with metrics on, and closes it cleanly on SIGTERM. */
public final class ServiceRuntime {
  private static final Logger LOG = Logger.getLogger(ServiceRuntime.class.getName());

  private ServiceRuntime() {
  }

  /** VertxOptions every service uses: Prometheus metrics through Micrometer. */
  public static VertxOptions options() {
    // a blocked-thread warning comes with the blocked thread's stack, so its cause is in the log
    return new VertxOptions().setPreferNativeTransport(true)
        .setWarningExceptionTime(VertxOptions.DEFAULT_MAX_EVENT_LOOP_EXECUTE_TIME)
        .setWarningExceptionTimeUnit(VertxOptions.DEFAULT_MAX_EVENT_LOOP_EXECUTE_TIME_UNIT)
        .setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  /** Joins the cluster (async). */
  public static Future<Vertx> join(ClusterSettings settings) {
    return join(settings, options());
  }

  public static Future<Vertx> join(ClusterSettings settings, VertxOptions options) {
    return ClusterBootstrap.start(settings, options);
  }

  /**
   * For a service's main: joins the cluster, runs `deploy`, logs one ready line, and leaves the cluster
   * on SIGTERM. Exits the process with status 1 when any step fails.
   */
  public static Vertx runMain(ClusterSettings settings, java.util.function.Function<Vertx, Future<?>> deploy) {
    return runMain(settings, options(), deploy);
  }

  public static Vertx runMain(ClusterSettings settings, VertxOptions options,
      java.util.function.Function<Vertx, Future<?>> deploy) {
    Logging.configure();
    long t0 = System.nanoTime();
    try {
      Vertx vertx = joinRetrying(settings, options, t0);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> leave(vertx, settings), "lbmesh-shutdown"));
      awaitStep(deploy.apply(vertx), "starting " + settings.service(), t0);
      LOG.info(() -> String.format("%s %s ready in %d ms (dc %s, pid %d)", settings.service(), settings.nodeId(),
          ms(t0), settings.dc(), ProcessHandle.current().pid()));
      return vertx;
    } catch (Exception e) {
      LOG.log(Level.SEVERE, settings.service() + " failed to start: " + e.getMessage(), e);
      System.exit(1);
      return null;
    }
  }

  /** Bounds of the steps of {@link #leave}: a stuck step must not keep a stopping service alive. */
  static final long UNDEPLOY_SECONDS = 5;
  static final long SAFE_SECONDS = 2;

  /**
   * On SIGTERM: leaves the cluster so that the others see this member go at once, not by heartbeat
   * timeout. The service's verticles stop first (a failover leader stops deciding, listeners close, event
   * bus consumers are unregistered), then every partition this member owns is made safe (its backup
   * elsewhere is up to date), then Hazelcast is terminated: its connections close and the others drop it
   * within a few hundred ms (measured: a leader replaced 0.38-0.78 s after SIGTERM). Hazelcast's graceful
   * shutdown, which vertx.close() runs, first migrates every partition away and only then leaves: the
   * others saw the member go 1.0 s after SIGTERM.
   * Logs to stderr: the JVM's logging is being shut down by its own hook at the same time.
   */
  static void leave(Vertx vertx, ClusterSettings settings) {
    long t0 = System.nanoTime();
    String who = settings.service() + " " + settings.nodeId();
    try {
      HazelcastInstance hz = ClusterBootstrap.hazelcast(vertx);
      List<Future<?>> undeploys = new ArrayList<>();
      for (String id : vertx.deploymentIDs()) {
        // the list holds child deployments too, which their parent's undeploy takes along ("already
        // undeployed" then): each undeploy is waited for, none fails the leave
        undeploys.add(vertx.undeploy(id).recover(e -> Future.succeededFuture()));
      }
      Future.join(undeploys).await(UNDEPLOY_SECONDS, TimeUnit.SECONDS);
      boolean safe = hz.getLifecycleService().isRunning()
          && hz.getPartitionService().forceLocalMemberToBeSafe(SAFE_SECONDS, TimeUnit.SECONDS);
      hz.getLifecycleService().terminate();
      stderr(who + " left the cluster in " + ms(t0) + " ms" + (safe ? ""
          : " (its partitions' backups were not confirmed in sync within " + SAFE_SECONDS + " s: the others"
              + " recover them as after a crash)"));
      vertx.close().await(UNDEPLOY_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      stderr(who + " did not leave the cluster cleanly (" + e + ") after " + ms(t0)
          + " ms; the others drop it when its connections close");
    }
  }

  private static long ms(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  /** One line in the services' log format, straight to stderr. */
  private static void stderr(String msg) {
    System.err.printf("%1$tFT%1$tT.%1$tL INFO %2$s: %3$s%n", System.currentTimeMillis(), ServiceRuntime.class.getName(), msg);
  }

  /** Joins tried before a service gives up: a crowded start can fail an attempt that a later one passes. */
  static final int JOIN_ATTEMPTS = 5;

  /**
   * Joins the cluster, trying again when an attempt fails: when many members start at once on a small
   * machine, an operation of the join (a listener registration on every member) can time out against a
   * member too busy to answer, and exiting would only put this service back into the same crowd.
   */
  private static Vertx joinRetrying(ClusterSettings settings, VertxOptions options, long t0) throws Exception {
    String what = "joining cluster '" + settings.clusterName() + "' (members " + String.join(",", settings.members())
        + ", bind " + settings.bindHost() + ")";
    for (int attempt = 1; ; attempt++) {
      try {
        return awaitStep(join(settings, options), what, t0);
      } catch (Exception e) {
        if (attempt == JOIN_ATTEMPTS) {
          throw e;
        }
        LOG.warning(what + " failed (attempt " + attempt + " of " + JOIN_ATTEMPTS + "): " + e.getMessage()
            + "; trying again in 2 s");
        Thread.sleep(2000);
      }
    }
  }

  /** How often a start step that is still running says so. */
  static final long PROGRESS_SECONDS = 15;

  /**
   * Waits for a start step as long as it takes, saying every {@link #PROGRESS_SECONDS} what it waits for.
   * No deadline: many JVMs starting at once on a small machine can take minutes to cluster, and a service
   * that gave up would only be restarted into the same crowd. A step that fails still fails the start.
   */
  static <T> T awaitStep(Future<T> step, String what, long t0) throws Exception {
    while (true) {
      try {
        return step.await(PROGRESS_SECONDS, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException stillRunning) {
        LOG.info(() -> "still " + what + " after " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) + " s");
      }
    }
  }
}
