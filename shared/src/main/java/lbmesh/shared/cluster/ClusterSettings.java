package lbmesh.shared.cluster;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import lbmesh.shared.failover.FailoverMap;
import lbmesh.shared.failover.GatewayGroupSettings;
import lbmesh.shared.launch.Env;

/**
 * Where and as whom a service joins the cluster; read from the LB_* variables of DESIGN.md.
 *
 * @param service the service name carried as a member attribute (gateway, registry-service, ...)
 * @param dcAwareBackups LB_PARTITION_GROUPS=dc: one Hazelcast partition group per DC (multi-DC deployments)
 * @param quorum LB_QUORUM: the least number of members a side of a split needs for the failover leader's
 *     decisions (split-brain protection on lb.failover); 1 = off. Every member must be given the same value.
 * @param gateway a gateway's group, mode, priority and preemption (LB_GATEWAY_*); null for other services
 * @param role LB_ROLE: {@code witness} only for failover-service (counts towards the quorum, never leads)
 * @param heartbeatTimeoutMs LB_HZ_HEARTBEAT_TIMEOUT_MS: a member silent this long (hung, or its host or link
 *     gone, so no socket closes) is dropped (0: Hazelcast's own detector, max.no.heartbeat, only);
 *     `maxNoHeartbeatSeconds` applies instead within
 *     `startupGraceSeconds` (LB_HZ_STARTUP_GRACE_SECONDS) of the latest join ({@link HeartbeatDetector})
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
    boolean dcAwareBackups,
    int quorum,
    GatewayGroupSettings gateway,
    MemberRole role,
    int heartbeatTimeoutMs,
    int startupGraceSeconds) {

  public static final String DEFAULT_CLUSTER_NAME = "lb";
  public static final String DEFAULT_DC = "dc1";
  public static final int DEFAULT_HZ_PORT = 5701;
  /**
   * A member that stops answering heartbeats (hung, not crashed) is dropped after this long. A crashed
   * member is dropped in well under a second through its closed sockets; this only covers hangs. Below
   * about 10 s, six JVMs starting at once on 2 cores split the cluster (measured by ./mesh runs).
   */
  public static final int DEFAULT_MAX_NO_HEARTBEAT_SECONDS = 10;
  /**
   * A member silent this long once the cluster is calm is dropped: two of Hazelcast's 1 s heartbeats, so a
   * hung leader is replaced in under 3 s (keepalived's default advertisement gives 3.5 s). Shorter than two
   * heartbeats, one late heartbeat would drop a live member.
   */
  public static final int DEFAULT_HEARTBEAT_TIMEOUT_MS = 2000;
  /** How long after the latest join the start-up timeout (max.no.heartbeat) still applies. */
  public static final int DEFAULT_STARTUP_GRACE_SECONDS = 30;
  /** Split-brain protection off: a single-member dev cluster must still elect a failover leader. */
  public static final int DEFAULT_QUORUM = 1;
  /** The service name gateways join with; only they carry {@link GatewayGroupSettings}. */
  public static final String GATEWAY_SERVICE = "gateway";

  public ClusterSettings {
    members = List.copyOf(members);
    role = role == null ? MemberRole.MEMBER : role;
    if (members.isEmpty()) {
      throw new IllegalArgumentException("LB_MEMBERS lists no member");
    }
    if (hzPort < 1 || hzPort > 65535) {
      throw new IllegalArgumentException("LB_HZ_PORT out of range: " + hzPort);
    }
    if (quorum < 1) {
      throw new IllegalStateException("LB_QUORUM must be at least 1, got " + quorum);
    }
    if (heartbeatTimeoutMs != 0 && heartbeatTimeoutMs < 2 * HeartbeatDetector.TICK_MS) {
      throw new IllegalStateException("LB_HZ_HEARTBEAT_TIMEOUT_MS must be 0 (Hazelcast's own detector only) or at least "
          + 2 * HeartbeatDetector.TICK_MS + " (two heartbeat ticks), got " + heartbeatTimeoutMs);
    }
    if (startupGraceSeconds < 0) {
      throw new IllegalStateException("LB_HZ_STARTUP_GRACE_SECONDS must not be negative, got " + startupGraceSeconds);
    }
    if (role == MemberRole.WITNESS && !FailoverMap.SERVICE.equals(service)) {
      throw new IllegalStateException(MemberRole.ENV + "=witness is for " + FailoverMap.SERVICE + " only, not " + service);
    }
  }

  /** Settings without a quorum or gateway group (defaults), as before those existed. */
  public ClusterSettings(String clusterName, List<String> members, String bindHost, int hzPort, String dc,
      String nodeId, String service, int maxNoHeartbeatSeconds, boolean dcAwareBackups) {
    this(clusterName, members, bindHost, hzPort, dc, nodeId, service, maxNoHeartbeatSeconds, dcAwareBackups,
        DEFAULT_QUORUM, GATEWAY_SERVICE.equals(service) ? GatewayGroupSettings.DEFAULT : null, MemberRole.MEMBER,
        DEFAULT_HEARTBEAT_TIMEOUT_MS, DEFAULT_STARTUP_GRACE_SECONDS);
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
        partitionGroups(env.get("LB_PARTITION_GROUPS", "member")),
        env.getInt("LB_QUORUM", DEFAULT_QUORUM),
        GATEWAY_SERVICE.equals(service) ? GatewayGroupSettings.fromEnv(env) : null,
        MemberRole.fromWire(env.get(MemberRole.ENV, MemberRole.MEMBER.wire())),
        env.getInt("LB_HZ_HEARTBEAT_TIMEOUT_MS", DEFAULT_HEARTBEAT_TIMEOUT_MS),
        env.getInt("LB_HZ_STARTUP_GRACE_SECONDS", DEFAULT_STARTUP_GRACE_SECONDS));
  }

  public ClusterSettings withNodeId(String id) {
    return new ClusterSettings(clusterName, members, bindHost, hzPort, dc, id, service, maxNoHeartbeatSeconds,
        dcAwareBackups, quorum, gateway, role, heartbeatTimeoutMs, startupGraceSeconds);
  }

  public ClusterSettings withQuorum(int q) {
    return new ClusterSettings(clusterName, members, bindHost, hzPort, dc, nodeId, service, maxNoHeartbeatSeconds,
        dcAwareBackups, q, gateway, role, heartbeatTimeoutMs, startupGraceSeconds);
  }

  public ClusterSettings withGateway(GatewayGroupSettings g) {
    return new ClusterSettings(clusterName, members, bindHost, hzPort, dc, nodeId, service, maxNoHeartbeatSeconds,
        dcAwareBackups, quorum, g, role, heartbeatTimeoutMs, startupGraceSeconds);
  }

  public ClusterSettings withRole(MemberRole r) {
    return new ClusterSettings(clusterName, members, bindHost, hzPort, dc, nodeId, service, maxNoHeartbeatSeconds,
        dcAwareBackups, quorum, gateway, r, heartbeatTimeoutMs, startupGraceSeconds);
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
