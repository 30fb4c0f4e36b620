package lbmesh.shared.cluster;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import lbmesh.shared.launch.Env;

/**
 * Where and as whom a service joins the cluster; read from the LB_* variables of DESIGN.md.
 *
 * @param service the service name carried as a member attribute (gateway, registry-service, ...)
 * @param dcAwareBackups LB_PARTITION_GROUPS=dc: one Hazelcast partition group per DC (multi-DC deployments)
 */
public record ClusterSettings(
    String clusterName,
    List<String> members,
    String bindHost,
    int hzPort,
    String dc,
    String nodeId,
    String service,
    int maxNoHeartbeatSeconds,
    boolean dcAwareBackups) {

  public static final String DEFAULT_CLUSTER_NAME = "lb";
  public static final String DEFAULT_DC = "dc1";
  public static final int DEFAULT_HZ_PORT = 5701;
  /**
   * A member that stops answering heartbeats (hung, not crashed) is dropped after this long. A crashed
   * member is dropped in well under a second through its closed sockets; this only covers hangs. Below
   * about 10 s, six JVMs starting at once on 2 cores split the cluster (measured by ./mesh runs).
   */
  public static final int DEFAULT_MAX_NO_HEARTBEAT_SECONDS = 10;

  public ClusterSettings {
    members = List.copyOf(members);
    if (members.isEmpty()) {
      throw new IllegalArgumentException("LB_MEMBERS lists no member");
    }
    if (hzPort < 1 || hzPort > 65535) {
      throw new IllegalArgumentException("LB_HZ_PORT out of range: " + hzPort);
    }
  }

  public static ClusterSettings fromEnv(String service, Env env) {
    List<String> members = Arrays.stream(env.get("LB_MEMBERS", "127.0.0.1").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
    return new ClusterSettings(
        env.get("LB_CLUSTER_NAME", DEFAULT_CLUSTER_NAME),
        members,
        env.get("LB_BIND_HOST", "127.0.0.1"),
        env.getInt("LB_HZ_PORT", DEFAULT_HZ_PORT),
        env.get("LB_DC", DEFAULT_DC),
        env.get("LB_NODE_ID", service + "-" + shortSuffix()),
        service,
        env.getInt("LB_HZ_MAX_NO_HEARTBEAT_SECONDS", DEFAULT_MAX_NO_HEARTBEAT_SECONDS),
        partitionGroups(env.get("LB_PARTITION_GROUPS", "member")));
  }

  public ClusterSettings withNodeId(String id) {
    return new ClusterSettings(clusterName, members, bindHost, hzPort, dc, id, service, maxNoHeartbeatSeconds,
        dcAwareBackups);
  }

  /** `member` (backups on any other member) or `dc` (backups in another DC; every member must agree). */
  static boolean partitionGroups(String v) {
    return switch (v) {
      case "member" -> false;
      case "dc" -> true;
      default -> throw new IllegalStateException("LB_PARTITION_GROUPS must be 'member' or 'dc', got '" + v + "'");
    };
  }

  private static String shortSuffix() {
    byte[] b = new byte[3];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
