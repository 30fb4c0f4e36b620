package lbmesh.systest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The k6 scripts of {@code k6/} run with the real k6 against this suite's mesh, at short settings: smoke,
 * sticky and distribution must exit 0 (every threshold held) and their {@code --summary-export} must show
 * requests made and no failed check or threshold. k6 is {@code LB_K6} (a path), else {@code k6} on PATH,
 * else {@code ../shared/tools/k6} beside the repository. Without one the class is skipped, unless
 * {@code LB_K6_REQUIRED=1} (or {@code -Dk6.required=true}) says it must run: CI sets that.
 */
@Order(5)
@ExtendWith(MeshExtension.class)
class K6SystemTest {
  private static final long RUN_TIMEOUT_S = 120;
  private static Path k6;

  @BeforeAll
  static void findK6() {
    Optional<Path> found = locate();
    boolean required = "1".equals(System.getenv("LB_K6_REQUIRED")) || Boolean.getBoolean("k6.required");
    if (found.isEmpty() && required) {
      fail("k6 is required (LB_K6_REQUIRED=1 or -Dk6.required=true) but there is none: set LB_K6, put k6 on"
          + " PATH, or place it at " + Mesh.root().resolve("../shared/tools/k6").normalize());
    }
    Assumptions.assumeTrue(found.isPresent(), "no k6 (LB_K6, PATH, ../shared/tools/k6): the k6 scripts are not run");
    k6 = found.get();
  }

  @Test
  void smokePassesThroughBothGateways(Mesh mesh) throws Exception {
    JsonObject m = run(mesh, "smoke", Map.of("REQUESTS", "5"));
    assertEquals(10, count(m, "lb_served"), "answers with X-LB-Server, 5 per gateway");
    assertEquals(0, m.getJsonObject("checks").getLong("fails"), "failed checks");
  }

  @Test
  void stickyClientsNeverSwitchServer(Mesh mesh) throws Exception {
    JsonObject m = run(mesh, "sticky", Map.of("CLIENTS", "6", "REQUESTS", "6", "VUS", "2"));
    assertEquals(12, count(m, "sticky_clients"), "clients run, 6 per mode");
    assertEquals(0, count(m, "sticky_switches"), "server switches");
    assertEquals(0, m.getJsonObject("checks").getLong("fails"), "failed checks");
    for (String mode : List.of("cookie", "header")) { // staying put proves something only over several servers
      long used = List.of(1, 2, 3).stream()
          .filter(i -> count(m, "sticky_first_server{server:k6-sticky-" + mode + "-" + i + "}") > 0).count();
      assertTrue(used >= 2, mode + ": the 6 clients' first answers came from " + used + " server(s)");
    }
  }

  @Test
  void distributionMatchesEachAlgorithm(Mesh mesh) throws Exception {
    JsonObject m = run(mesh, "distribution",
        Map.of("REQUESTS", "300", "ROUNDS", "5", "DELAY_MS", "100", "PATHS", "20", "REPEAT", "2"));
    assertEquals(0, count(m, "dist_violations"), "spread violations");
    assertTrue(count(m, "lb_served") >= 5 * 40, "answers tallied: " + count(m, "lb_served"));
  }

  /**
   * {@code k6 run k6/<script>.js} with the mesh's GATEWAYS, REGISTRY and TOKEN and {@code vars}; asserts exit
   * 0 and a summary with requests and no crossed threshold, and returns the summary's metrics.
   */
  private JsonObject run(Mesh mesh, String script, Map<String, String> vars) throws IOException, InterruptedException {
    Path dir = mesh.stateDir().resolveSibling("k6");
    Files.createDirectories(dir);
    Path summary = dir.resolve(script + "-summary.json");
    Path out = dir.resolve(script + ".out");
    Files.deleteIfExists(summary);
    List<String> cmd = new ArrayList<>(List.of(k6.toString(), "run", "--no-usage-report", "--no-color",
        "--summary-export", summary.toString()));
    vars.forEach((k, v) -> cmd.addAll(List.of("-e", k + "=" + v)));
    cmd.add(Mesh.root().resolve("k6").resolve(script + ".js").toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(Mesh.root().toFile()).redirectErrorStream(true)
        .redirectOutput(out.toFile());
    Map<String, String> env = pb.environment();
    env.put("GATEWAYS", Mesh.gatewayUrl(1) + "," + Mesh.gatewayUrl(2));
    env.put("REGISTRY", "http://" + Mesh.HOST + ":" + Mesh.REGISTRY_PORT);
    env.put("TOKEN", Files.readString(mesh.stateDir().resolve("admin-token")).trim());
    long t0 = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(RUN_TIMEOUT_S, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("k6 " + script + " ran over " + RUN_TIMEOUT_S + " s; its output:\n" + Files.readString(out));
    }
    String output = Files.readString(out);
    Mesh.log("k6 " + script + ".js " + vars + ": exit " + p.exitValue() + " in " + Mesh.ms(t0) + " ms\n" + tail(output, 60));
    assertEquals(0, p.exitValue(), "k6 " + script + ".js exit code (99: a threshold was crossed); output:\n" + output);
    JsonObject metrics = new JsonObject(Files.readString(summary)).getJsonObject("metrics");
    assertTrue(count(metrics, "http_reqs") > 0, "requests made: " + metrics.getValue("http_reqs"));
    Map<String, Object> crossed = new LinkedHashMap<>();
    for (String name : metrics.fieldNames()) {
      JsonObject t = metrics.getJsonObject(name).getJsonObject("thresholds");
      if (t != null) {
        t.forEach(e -> {
          if (Boolean.TRUE.equals(e.getValue())) { // summary-export: true means the threshold was crossed
            crossed.put(name + ": " + e.getKey(), metrics.getJsonObject(name));
          }
        });
      }
    }
    assertTrue(crossed.isEmpty(), "crossed thresholds " + crossed);
    return metrics;
  }

  private static long count(JsonObject metrics, String name) {
    JsonObject m = metrics.getJsonObject(name);
    return m == null ? 0 : m.getLong("count", 0L);
  }

  private static String tail(String s, int lines) {
    String[] all = s.split("\n");
    return String.join("\n", List.of(all).subList(Math.max(0, all.length - lines), all.length));
  }

  private static Optional<Path> locate() {
    String explicit = System.getenv("LB_K6");
    if (explicit != null && !explicit.isBlank()) {
      Path p = Path.of(explicit);
      if (!Files.isExecutable(p)) {
        fail("LB_K6=" + explicit + " is not an executable file");
      }
      return Optional.of(p);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "k6"))) {
        return Optional.of(Path.of(dir, "k6"));
      }
    }
    Path shared = Mesh.root().resolve("../shared/tools/k6").normalize();
    return Files.isExecutable(shared) ? Optional.of(shared) : Optional.empty();
  }
}
