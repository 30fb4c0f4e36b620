package lbmesh.shared.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import lbmesh.shared.testing.Await;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Members listed by host name, as docker compose lists them: each member binds an address of its own
 * (127.0.0.2, 127.0.0.3) and finds the others by name. Runs in a JVM of its own that resolves names from
 * `src/test/resources/hosts-by-name` (shared/pom.xml), so the names need no DNS and no /etc/hosts entry.
 */
class MembersByHostNameTest {
  private final TestCluster cluster = new TestCluster();

  @BeforeAll
  static void namesResolveFromTheTestsHostsFile() throws Exception {
    // picked by -Dtest=... the test also runs in the module's default execution, without the hosts file
    assumeTrue(System.getProperty("jdk.net.hosts.file") != null, "runs in the members-by-host-name execution");
    assertEquals("127.0.0.2", InetAddress.getByName("member-a").getHostAddress(),
        "this test runs with -Djdk.net.hosts.file (its own surefire execution)");
  }

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  private ClusterSettings member(String bindHost, String nodeId, List<String> members) {
    return new ClusterSettings(cluster.name(), members, bindHost, TestCluster.BASE_PORT, "dc1", nodeId, "gateway",
        ClusterSettings.DEFAULT_MAX_NO_HEARTBEAT_SECONDS, false);
  }

  @Test
  void membersListedByHostNameFormOneCluster() {
    List<String> byName = List.of("member-a", "member-b");
    Vertx a = cluster.start(member("127.0.0.2", "a", byName));
    Vertx b = cluster.start(member("127.0.0.3", "b", byName));
    Await.until(Duration.ofSeconds(20), "both members in one cluster",
        () -> TestCluster.hz(a).getCluster().getMembers().size() == 2
            && TestCluster.hz(b).getCluster().getMembers().size() == 2);
    Set<String> hosts = TestCluster.hz(a).getCluster().getMembers().stream()
        .map(m -> m.getSocketAddress().getAddress().getHostAddress()).collect(Collectors.toSet());
    assertEquals(Set.of("127.0.0.2", "127.0.0.3"), hosts, "each member on its own LB_BIND_HOST");
  }

  @Test
  void aListedNameThatDoesNotResolveYetDoesNotStopTheOthersJoining() {
    // member-c: a container that is not up yet, so its name does not resolve
    List<String> byName = List.of("member-a", "member-b", "member-c");
    Vertx a = cluster.start(member("127.0.0.2", "a", byName));
    Vertx b = cluster.start(member("127.0.0.3", "b", byName));
    Await.until(Duration.ofSeconds(20), "the two resolvable members in one cluster",
        () -> TestCluster.hz(a).getCluster().getMembers().size() == 2
            && TestCluster.hz(b).getCluster().getMembers().size() == 2);
  }
}
