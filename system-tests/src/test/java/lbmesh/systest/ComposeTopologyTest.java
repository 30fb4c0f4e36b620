package lbmesh.systest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * One topology: the compose files run what `./mesh up` runs. `./mesh topology` prints what the script
 * starts (services, modules, ports, each member's LB_* variables); every compose service must match it:
 * the same jar, the same published ports, the same LB_* variables with the same values, except the values
 * that depend on where a member runs (addresses, Hazelcast port, data path, token). Needs no Docker.
 */
class ComposeTopologyTest {
  /** Values that legitimately differ between loopback JVMs and containers: only the names must agree. */
  private static final Set<String> PER_DEPLOYMENT = Set.of("LB_MEMBERS", "LB_BIND_HOST", "LB_HZ_PORT",
      "LB_HTTP_HOST", "LB_DATA_DIR", "LB_ADMIN_TOKEN");
  /**
   * Compose services ./mesh has no counterpart of: the one-shot that registers the backends (./mesh does it
   * itself) and the optional Prometheus (profile monitoring).
   */
  private static final Set<String> COMPOSE_ONLY = Set.of("register", "prometheus");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::?([-?])([^}]*))?}");

  private static final Map<String, Service> MESH = new LinkedHashMap<>();

  record Service(String module, List<Integer> ports, Map<String, String> env) {
  }

  @BeforeAll
  static void readMeshTopology() throws Exception {
    Path root = Mesh.root();
    ProcessBuilder pb = new ProcessBuilder(root.resolve("mesh").toString(), "topology").redirectErrorStream(true);
    // the contract's defaults: no MESH_* or LB_* override from the caller's shell
    pb.environment().keySet().removeIf(k -> k.startsWith("MESH_") || k.startsWith("LB_"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "./mesh topology failed: " + out);
    Map<String, String> modules = new LinkedHashMap<>();
    Map<String, List<Integer>> ports = new LinkedHashMap<>();
    Map<String, Map<String, String>> envs = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      String[] f = line.split(" ", 3);
      switch (f[1]) {
        case "module" -> modules.put(f[0], f[2]);
        case "ports" -> ports.put(f[0], Set.of(f[2].trim().split("\\s+")).stream().map(Integer::valueOf).sorted().toList());
        case "env" -> envs.computeIfAbsent(f[0], k -> new TreeMap<>()).put(f[2].substring(0, f[2].indexOf('=')),
            f[2].substring(f[2].indexOf('=') + 1));
        default -> throw new AssertionError("unexpected line from ./mesh topology: " + line);
      }
    }
    modules.forEach((name, module) -> MESH.put(name, new Service(module, ports.get(name), envs.getOrDefault(name, Map.of()))));
    assertTrue(MESH.size() >= 7 && MESH.containsKey("gateway-1"), "./mesh topology lists the services: " + MESH.keySet());
  }

  private static Map<String, Map<String, Object>> services(String file) throws IOException {
    Path root = Mesh.root();
    try (Reader r = Files.newBufferedReader(root.resolve("compose").resolve(file))) {
      Map<String, Object> doc = new Yaml().load(r);
      @SuppressWarnings("unchecked")
      Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) doc.get("services");
      return services;
    }
  }

  /** `${VAR:-default}` as compose sees it with VAR unset; `${VAR:?message}` (required) as "<VAR>". */
  private static String resolve(Object value) {
    Matcher m = VARIABLE.matcher(String.valueOf(value));
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      boolean required = "?".equals(m.group(2));
      m.appendReplacement(sb, Matcher.quoteReplacement(required || m.group(2) == null ? "<" + m.group(1) + ">" : m.group(3)));
    }
    return m.appendTail(sb).toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> lbEnv(Map<String, Object> service) {
    Map<String, String> env = new TreeMap<>();
    Object e = service.get("environment");
    if (e instanceof Map<?, ?> map) {
      map.forEach((k, v) -> {
        if (String.valueOf(k).startsWith("LB_")) {
          env.put(String.valueOf(k), resolve(v));
        }
      });
    }
    return env;
  }

  /** Container ports the service publishes ("host:hostPort:containerPort", ranges expanded). */
  @SuppressWarnings("unchecked")
  private static List<Integer> publishedPorts(Map<String, Object> service) {
    List<Integer> ports = new ArrayList<>();
    for (Object o : (List<Object>) service.getOrDefault("ports", List.of())) {
      String[] parts = resolve(o).split(":");
      String container = parts[parts.length - 1].replace("/tcp", "");
      String[] range = container.split("-");
      for (int p = Integer.parseInt(range[0]); p <= Integer.parseInt(range[range.length - 1]); p++) {
        ports.add(p);
      }
    }
    return ports.stream().sorted().toList();
  }

  @SuppressWarnings("unchecked")
  private static String jarSource(Map<String, Object> service) {
    for (Object v : (List<Object>) service.getOrDefault("volumes", List.of())) {
      if (v instanceof Map<?, ?> m && String.valueOf(m.get("source")).endsWith(".jar")) {
        return String.valueOf(m.get("source"));
      }
    }
    return null;
  }

  /** Checks one compose service against one ./mesh service; `dcs` are the LB_DC values allowed. */
  private static void assertSameService(String file, String name, Map<String, Object> compose, Service mesh,
      Set<String> dcs, String partitionGroups) {
    String where = file + " service " + name;
    assertEquals("../" + mesh.module() + "/target/" + mesh.module() + ".jar", jarSource(compose),
        where + " runs the jar ./mesh runs");
    String command = String.valueOf(compose.get("command"));
    if (mesh.env().isEmpty()) {
      // the demo backends: not a member; its ports are arguments
      List<Integer> published = publishedPorts(compose);
      assertTrue(mesh.ports().containsAll(published) && !published.isEmpty(), where + " publishes " + published
          + ", ./mesh listens on " + mesh.ports());
      for (int p : mesh.ports()) {
        assertTrue(command.matches("(?s).*\\b" + p + "\\b.*"), where + " listens on " + p + " as ./mesh does: " + command);
      }
      return;
    }
    assertEquals(mesh.ports(), publishedPorts(compose), where + " publishes the ports ./mesh listens on");
    Map<String, String> env = lbEnv(compose);
    assertEquals(new TreeSet<>(mesh.env().keySet()), new TreeSet<>(env.keySet()), where + ": the LB_* variables ./mesh sets");
    mesh.env().forEach((k, v) -> {
      if (k.equals("LB_DC")) {
        assertTrue(dcs.contains(env.get(k)), where + " LB_DC=" + env.get(k) + ", one of " + dcs);
      } else if (k.equals("LB_PARTITION_GROUPS")) {
        assertEquals(partitionGroups, env.get(k), where + " " + k);
      } else if (!PER_DEPLOYMENT.contains(k)) {
        assertEquals(v, env.get(k), where + " " + k + " as ./mesh sets it");
      }
    });
    assertEquals(name, env.get("LB_NODE_ID"), where + " node id");
  }

  @SuppressWarnings("unchecked")
  private static void assertMembersFindEachOther(String file, Map<String, Map<String, Object>> services) {
    Set<String> members = services.entrySet().stream().filter(e -> lbEnv(e.getValue()).containsKey("LB_NODE_ID"))
        .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
    for (String name : members) {
      Map<String, String> env = lbEnv(services.get(name));
      Set<String> listed = Set.of(env.get("LB_MEMBERS").split(",")).stream().map(m -> m.split(":")[0])
          .collect(Collectors.toCollection(TreeSet::new));
      assertEquals(members, listed, file + " " + name + " LB_MEMBERS lists every member");
      Map<String, Object> networks = (Map<String, Object>) services.get(name).get("networks");
      Map<String, Object> mesh = (Map<String, Object>) networks.get("mesh");
      assertEquals(resolve(mesh.get("ipv4_address")), env.get("LB_BIND_HOST"),
          file + " " + name + " binds Hazelcast on its fixed network address");
    }
  }

  @Test
  void theSingleDcComposeFileRunsWhatMeshUpRuns() throws IOException {
    Map<String, Map<String, Object>> compose = services("docker-compose.yml");
    Set<String> expected = new TreeSet<>(MESH.keySet());
    expected.addAll(COMPOSE_ONLY);
    assertEquals(expected, new TreeSet<>(compose.keySet()), "docker-compose.yml has the services ./mesh up starts");
    MESH.forEach((name, mesh) -> assertSameService("docker-compose.yml", name, compose.get(name), mesh,
        Set.of(mesh.env().getOrDefault("LB_DC", "dc1")), mesh.env().get("LB_PARTITION_GROUPS")));
    assertMembersFindEachOther("docker-compose.yml", compose);
  }

  @Test
  void theTwoDcComposeFileRunsTheSameMembersOverTwoDcs() throws IOException {
    Map<String, Map<String, Object>> compose = services("two-dc.yml");
    Set<String> dcsSeen = new TreeSet<>();
    MESH.forEach((name, mesh) -> {
      if (mesh.env().isEmpty()) {
        // one backends container per DC, each running what ./mesh's backends run
        for (String dc : List.of("dc1", "dc2")) {
          Map<String, Object> backends = compose.get(name + "-" + dc);
          assertTrue(backends != null, "two-dc.yml has " + name + "-" + dc);
          assertEquals("../" + mesh.module() + "/target/" + mesh.module() + ".jar", jarSource(backends));
        }
        return;
      }
      assertTrue(compose.containsKey(name), "two-dc.yml has " + name);
      assertSameService("two-dc.yml", name, compose.get(name), mesh, Set.of("dc1", "dc2"), "dc");
      dcsSeen.add(lbEnv(compose.get(name)).get("LB_DC"));
    });
    assertEquals(Set.of("dc1", "dc2"), dcsSeen, "members in both DCs");
    assertMembersFindEachOther("two-dc.yml", compose);
  }
}
