package lbmesh.systest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The mesh under test: the real services as separate JVMs, started by the repository's {@code ./mesh}
 * script on a port range of their own, with their own state directory and a cluster name unique to the
 * run, so a developer's {@code ./mesh up} on the default ports is untouched. Stopped by {@link #stop()}
 * ({@code ./mesh down}), or by a JVM shutdown hook if the suite dies first.
 */
public final class Mesh {
  public static final String HOST = "127.0.0.1";
  /** -Dsystem.tests.portOffset=N shifts every port, for two suites on one machine (two worktrees, two CI jobs). */
  private static final int OFFSET = Integer.getInteger("system.tests.portOffset", 0);
  public static final int REGISTRY_PORT = 29000 + OFFSET;
  public static final int HEALTH_ADMIN_PORT = 29100 + OFFSET;
  public static final int FAILOVER_ADMIN_PORT = 29200 + OFFSET; // failover-1; failover-2 is +1
  public static final int GATEWAY_HTTP_PORT = 28080 + OFFSET;   // gateway-1; gateway-2 is +1
  public static final int GATEWAY_ADMIN_PORT = 29080 + OFFSET;  // gateway-1; gateway-2 is +1
  public static final int BACKEND_PORT = 27001 + OFFSET;        // three backends, +0..+2; agents +100
  public static final int HZ_PORT = 25701 + OFFSET;             // six cluster members, +0..+5
  /** Base of the ports that servers registered as dead point at (nothing may listen there). */
  public static final int DEAD_PORT = 27900 + OFFSET;
  public static final List<String> SERVICES =
      List.of("registry", "health", "failover-1", "failover-2", "gateway-1", "gateway-2", "backends");
  public static final List<String> BACKEND_IDS =
      List.of("backend-" + BACKEND_PORT, "backend-" + (BACKEND_PORT + 1), "backend-" + (BACKEND_PORT + 2));
  private static final List<String> MODULES =
      List.of("registry-service", "health-service", "failover-service", "gateway", "demo-backend");
  private static final Duration UP_TIMEOUT = Duration.ofSeconds(330);
  private static final Duration DOWN_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Where one mesh listens: the base ports ./mesh is given (MESH_*_PORT), for one DC or two. With two, the
   * script puts dc2 on the bases shifted (registry, health and failover admin +10, gateways +2, backends +3)
   * and the witness on the failover base +20; its Hazelcast ports run from the base to +12.
   */
  public record Layout(int dcs, int registry, int healthAdmin, int failoverAdmin, int gatewayHttp, int gatewayAdmin,
      int backend, int hz) {
    /** The suite's shared one-DC mesh. */
    static final Layout ONE_DC = new Layout(1, REGISTRY_PORT, HEALTH_ADMIN_PORT, FAILOVER_ADMIN_PORT,
        GATEWAY_HTTP_PORT, GATEWAY_ADMIN_PORT, BACKEND_PORT, HZ_PORT);
    /** A two-DC mesh of its own, on ports clear of the one-DC suite's (never both at once: see the pom). */
    static final Layout TWO_DC = new Layout(2, 24000 + OFFSET, 24100 + OFFSET, 24200 + OFFSET, 23080 + OFFSET,
        24080 + OFFSET, 23001 + OFFSET, 22701 + OFFSET);

    /** Every service ./mesh starts, in its order. */
    public List<String> services() {
      List<String> all = new ArrayList<>(SERVICES);
      if (dcs == 2) {
        SERVICES.forEach(s -> all.add("dc2-" + s));
        all.add("witness");
      }
      return all;
    }

    /** The gateways, dc1's first. */
    public List<String> gateways() {
      return services().stream().filter(s -> s.contains("gateway-")).toList();
    }

    /** The failover-service instances, the witness included. */
    public List<String> failovers() {
      return services().stream().filter(s -> s.contains("failover-") || s.equals("witness")).toList();
    }

    private static boolean dc2(String service) {
      return service.startsWith("dc2-");
    }

    private static int index(String service) {
      return Integer.parseInt(service.substring(service.lastIndexOf('-') + 1)) - 1;
    }

    /** A gateway's traffic port. */
    public int httpPort(String gateway) {
      return gatewayHttp + (dc2(gateway) ? 2 : 0) + index(gateway);
    }

    public String url(String gateway) {
      return "http://" + HOST + ":" + httpPort(gateway);
    }

    /** The admin port of a gateway, a failover instance or the witness; the API port of a registry. */
    public int adminPort(String service) {
      int control = dc2(service) ? 10 : 0;
      if (service.equals("witness")) {
        return failoverAdmin + 20;
      } else if (service.contains("gateway-")) {
        return gatewayAdmin + (dc2(service) ? 2 : 0) + index(service);
      } else if (service.contains("failover-")) {
        return failoverAdmin + control + index(service);
      } else if (service.endsWith("registry")) {
        return registry + control;
      }
      return healthAdmin + control;
    }

    /** The first backend port of dc1 (1) or dc2 (2); three per DC, agents +100. */
    public int backendPort(int dc, int i) {
      return backend + (dc - 1) * 3 + i;
    }

    /** The service whose Hazelcast member listens on `port`: dc1's six, dc2's six, then the witness. */
    public String memberAt(int port) {
      List<String> members = services().stream().filter(s -> !s.endsWith("backends")).toList();
      int i = port - hz;
      return i >= 0 && i < members.size() ? members.get(i) : "?" + port;
    }
  }

  private final Path root;
  private final Path stateDir;
  private final Layout layout;
  private final String clusterName;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::stopQuietly, "mesh-down");
  private volatile String token;

  private Mesh(Path root, Path stateDir, Layout layout) {
    this.root = root;
    this.stateDir = stateDir;
    this.layout = layout;
    this.clusterName = "systest-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
  }

  /** Where the repository is (the {@code mesh} script, the modules' jars) and where this suite keeps its state. */
  public static Mesh configured() {
    return new Mesh(root(), configuredStateDir(), Layout.ONE_DC);
  }

  /** A two-DC mesh ({@code ./mesh up --dcs 2}) with ports and a state directory of its own ({@code mesh-2dc}). */
  public static Mesh twoDcs() {
    return new Mesh(root(), configuredStateDir().resolveSibling("mesh-2dc"), Layout.TWO_DC);
  }

  /** The repository checkout (the {@code mesh} script, the modules' jars): -Dlbmesh.root, set by the pom. */
  public static Path root() {
    return Path.of(System.getProperty("lbmesh.root", "..")).toAbsolutePath().normalize();
  }

  private static Path configuredStateDir() {
    return Path.of(System.getProperty("lbmesh.systest.stateDir", root().resolve("system-tests/target/mesh").toString()))
        .toAbsolutePath().normalize();
  }

  public Layout layout() {
    return layout;
  }

  public String clusterName() {
    return clusterName;
  }

  /**
   * Starts the whole mesh with {@code ./mesh up}, from a clean state directory. Whatever a previous, crashed
   * run left recorded there is stopped first ({@code ./mesh down}: by PID, only its own processes).
   */
  public void start() throws IOException {
    List<String> missing = MODULES.stream().filter(m -> !Files.isRegularFile(jar(m))).toList();
    if (!missing.isEmpty()) {
      throw new IllegalStateException("missing service jars " + missing.stream().map(this::jar).toList()
          + ": build them first (mvn -B verify from the root does; or mvn -B -q package -DskipTests)");
    }
    if (Files.isDirectory(stateDir.resolve("pids"))) {
      run(DOWN_TIMEOUT, "down");
    }
    deleteTree(stateDir);
    Files.createDirectories(stateDir);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    long t0 = System.nanoTime();
    Result up = run(UP_TIMEOUT, upArgs());
    log("./mesh up (exit " + up.exit() + ", " + ms(t0) + " ms):\n" + up.output());
    if (up.exit() != 0) {
      throw new IllegalStateException("./mesh up failed (exit " + up.exit() + "); its output is above\n" + logTails(40));
    }
    token = Files.readString(stateDir.resolve("admin-token")).trim();
  }

  /** {@code up}, or {@code up --dcs 2}. */
  public String[] upArgs() {
    return layout.dcs() == 2 ? new String[] {"up", "--dcs", "2"} : new String[] {"up"};
  }

  /** {@code ./mesh down}, once; afterwards, no process recorded in the state directory is left alive. */
  public void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // called from the hook itself
    }
    try {
      Result down = run(DOWN_TIMEOUT, "down");
      log("./mesh down (exit " + down.exit() + "):\n" + down.output());
    } catch (IOException | RuntimeException e) {
      log("./mesh down failed: " + e);
    }
    for (String name : layout.services()) { // the script SIGKILLs after its own timeout; this is the last resort
      pidOf(name).filter(pid -> isOurs(pid, name)).flatMap(ProcessHandle::of).ifPresent(p -> {
        log("still running after ./mesh down: " + name + " pid " + p.pid() + ": SIGKILL");
        p.destroyForcibly();
      });
    }
  }

  private void stopQuietly() {
    try {
      stop();
    } catch (RuntimeException e) {
      System.err.println("mesh: stop failed: " + e);
    }
  }

  /** Runs {@code ./mesh ARGS} with the suite's environment; fails when it runs over {@code timeout}. */
  public Result run(Duration timeout, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(root.resolve("mesh").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    // nothing from the caller's shell may move this mesh onto someone else's ports, cluster or token
    env.keySet().removeIf(k -> k.startsWith("LB_") || k.startsWith("MESH_"));
    env.putAll(environment());
    Files.createDirectories(stateDir.getParent());
    Path out = Files.createTempFile(stateDir.getParent(), "mesh-" + args[0] + "-", ".out");
    pb.redirectOutput(out.toFile()); // a file, not a pipe: a JVM the script starts can never hold it open
    Process p = pb.start();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("./mesh " + String.join(" ", args) + " ran over " + timeout.toSeconds()
            + " s; its output:\n" + Files.readString(out));
      }
      return new Result(p.exitValue(), Files.readString(out));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IllegalStateException("interrupted while running ./mesh " + String.join(" ", args), e);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** The environment the suite gives ./mesh: its own ports, state directory and cluster name. */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MESH_STATE_DIR", stateDir.toString());
    env.put("MESH_HOST", HOST);
    env.put("MESH_HTTP_HOST", HOST);
    env.put("MESH_REGISTRY_PORT", String.valueOf(layout.registry()));
    env.put("MESH_HEALTH_ADMIN_PORT", String.valueOf(layout.healthAdmin()));
    env.put("MESH_FAILOVER_ADMIN_PORT", String.valueOf(layout.failoverAdmin()));
    env.put("MESH_GATEWAY_HTTP_PORT", String.valueOf(layout.gatewayHttp()));
    env.put("MESH_GATEWAY_ADMIN_PORT", String.valueOf(layout.gatewayAdmin()));
    env.put("MESH_BACKEND_PORT", String.valueOf(layout.backend()));
    env.put("MESH_HZ_PORT", String.valueOf(layout.hz()));
    env.put("MESH_CLUSTER_NAME", clusterName);
    // readiness on a busy 2-core CI machine (13 JVMs for two DCs)
    env.put("MESH_TIMEOUT", layout.dcs() == 2 ? "240" : "150");
    env.put("MESH_BUILD", "0");     // the reactor built the jars; the suite never builds
    env.put("JAVA_HOME", System.getProperty("java.home")); // the services run on the suite's Java
    return env;
  }

  // ---------------------------------------------------------------------------------------------------
  // HTTP

  public static String gatewayUrl(int gateway) {
    return "http://" + HOST + ":" + gatewayPort(gateway);
  }

  /** Traffic port of gateway 1 or 2. */
  public static int gatewayPort(int gateway) {
    return GATEWAY_HTTP_PORT + gateway - 1;
  }

  public static int gatewayAdminPort(int gateway) {
    return GATEWAY_ADMIN_PORT + gateway - 1;
  }

  public static int failoverAdminPort(String failoverName) {
    return FAILOVER_ADMIN_PORT + Integer.parseInt(failoverName.substring(failoverName.lastIndexOf('-') + 1)) - 1;
  }

  public Answer get(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).GET());
  }

  /** A registry API call with the admin token; {@code path} is below /api/v1, {@code json} may be null. */
  public Answer api(String method, String path, String json) {
    return api(layout.registry(), method, path, json);
  }

  /** {@link #api} through the registry listening on {@code registryPort} (two DCs: one per DC). */
  public Answer api(int registryPort, String method, String path, String json) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + registryPort + "/api/v1" + path))
        .header("Authorization", "Bearer " + token)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    return send(b);
  }

  /** {@link #api}, requiring a 2xx answer. */
  public Answer apiOk(String method, String path, String json) {
    Answer a = api(method, path, json);
    if (!a.ok()) {
      throw new AssertionError(method + " /api/v1" + path + " " + (json == null ? "" : json) + " answered " + a);
    }
    return a;
  }

  private Answer send(HttpRequest.Builder b) {
    HttpRequest req = b.timeout(Duration.ofSeconds(10)).build();
    try {
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      Map<String, List<String>> headers = new TreeMap<>();
      r.headers().map().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
      return new Answer(r.statusCode(), headers, r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(req.method() + " " + req.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The registry's live cluster view, {@code GET /api/v1/cluster}. */
  public JsonObject cluster() {
    return cluster(layout.registry());
  }

  /** The cluster view of the registry listening on {@code registryPort}. */
  public JsonObject cluster(int registryPort) {
    Answer a = get("http://" + HOST + ":" + registryPort + "/api/v1/cluster");
    if (!a.ok()) {
      throw new AssertionError("GET /api/v1/cluster answered " + a);
    }
    return a.json();
  }

  /** Gateway 1's or 2's admin {@code /status}: its routing table as it stands. */
  public JsonObject gatewayStatus(int gateway) {
    Answer a = get("http://" + HOST + ":" + gatewayAdminPort(gateway) + "/status");
    if (!a.ok()) {
      throw new AssertionError("gateway-" + gateway + " /status answered " + a);
    }
    return a.json();
  }

  /** A pool as gateway 1 or 2 sees it (from its /status), or null when it has no such pool. */
  public JsonObject gatewayPool(int gateway, String pool) {
    JsonArray pools = gatewayStatus(gateway).getJsonArray("pools", new JsonArray());
    for (int i = 0; i < pools.size(); i++) {
      if (pool.equals(pools.getJsonObject(i).getString("name"))) {
        return pools.getJsonObject(i);
      }
    }
    return null;
  }

  /**
   * Waits until both gateways' routing tables are at the registry's current version, so every change
   * written before this call is in force on both (events flow registry -> gateways).
   */
  public void awaitGatewaysCaughtUp() {
    awaitGatewaysCaughtUp(layout.gateways());
  }

  /** {@link #awaitGatewaysCaughtUp()} for the named gateways (those that are alive). */
  public void awaitGatewaysCaughtUp(List<String> gateways) {
    long version = cluster().getLong("registryVersion");
    for (String gw : gateways) {
      String url = "http://" + HOST + ":" + layout.adminPort(gw) + "/status";
      Poll.untilTrue(gw + " at registry version " + version, Duration.ofSeconds(15),
          () -> get(url).json().getLong("registryVersion", -1L) >= version);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Processes and files

  /** The PID ./mesh recorded for a service, if any. */
  public Optional<Long> pidOf(String service) {
    Path f = stateDir.resolve("pids").resolve(service + ".pid");
    try {
      String s = Files.isRegularFile(f) ? Files.readString(f).replaceAll("[^0-9]", "") : "";
      return s.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(s));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** True when {@code pid} is alive and is the JVM ./mesh started as {@code service} from this suite's state dir. */
  public boolean isOurs(long pid, String service) {
    try {
      String cmd = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8);
      List<String> args = List.of(cmd.split("\0"));
      return args.contains("-Dlbmesh.mesh.name=" + service)
          && args.stream().anyMatch(a -> a.startsWith(stateDir.resolve("jars") + "/"));
    } catch (IOException e) {
      return false;
    }
  }

  public Path stateDir() {
    return stateDir;
  }

  public Path logFile(String service) {
    return stateDir.resolve("logs").resolve(service + ".log");
  }

  /** Every log file in the state directory. */
  public List<Path> logFiles() {
    try (Stream<Path> s = Files.list(stateDir.resolve("logs"))) {
      return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** The last {@code lines} lines of every service's log, for a failure report. */
  public String logTails(int lines) {
    StringBuilder sb = new StringBuilder("---- service logs (last " + lines + " lines each; full logs in "
        + stateDir.resolve("logs") + ") ----\n");
    for (String name : layout.services()) {
      sb.append("== ").append(name).append(" ==\n");
      try {
        List<String> all = Files.readAllLines(logFile(name), StandardCharsets.UTF_8);
        all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> sb.append("  | ").append(l).append('\n'));
      } catch (IOException e) {
        sb.append("  (no log: ").append(e.getMessage()).append(")\n");
      }
    }
    return sb.toString();
  }

  /** Server id -> answers, over {@code n} GETs of {@code path} on one gateway (java.net.http, keep-alive). */
  public Map<String, Integer> spread(int gateway, String path, int n) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Answer a = get(gatewayUrl(gateway) + path);
      if (!a.ok()) {
        throw new AssertionError("gateway-" + gateway + " GET " + path + " answered " + a);
      }
      counts.merge(String.valueOf(a.server()), 1, Integer::sum);
    }
    return counts;
  }

  static void log(String s) {
    System.out.println("[system-tests] " + s);
  }

  static long ms(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  private Path jar(String module) {
    return root.resolve(module).resolve("target").resolve(module + ".jar");
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(p);
      }
    }
  }

  /** A finished ./mesh command: its exit code and its output (stdout and stderr). */
  public record Result(int exit, String output) {
  }
}
