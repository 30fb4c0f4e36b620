package lbmesh.shared.cluster;

import com.hazelcast.cluster.Member;
import io.vertx.core.json.JsonObject;

/** What the cluster knows of one member, read from the attributes it joined with. */
public record MemberInfo(String nodeId, String service, String dc, String address, long pid, String uuid,
    MemberRole role) {

  /** Member attribute names, set by {@link ClusterBootstrap} on every member. */
  public static final String ATTR_SERVICE = "lb.service";
  public static final String ATTR_DC = "lb.dc";
  public static final String ATTR_NODE = "lb.node";
  public static final String ATTR_PID = "lb.pid";
  /** {@link MemberRole#wire()}; a member without it is an ordinary one. */
  public static final String ATTR_ROLE = "lb.role";

  public static MemberInfo of(Member m) {
    String pid = m.getAttribute(ATTR_PID);
    return new MemberInfo(
        orUnknown(m.getAttribute(ATTR_NODE)),
        orUnknown(m.getAttribute(ATTR_SERVICE)),
        orUnknown(m.getAttribute(ATTR_DC)),
        m.getAddress().getHost() + ":" + m.getAddress().getPort(),
        pid == null ? -1 : Long.parseLong(pid),
        m.getUuid().toString(),
        MemberRole.of(m));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("nodeId", nodeId)
        .put("service", service)
        .put("dc", dc)
        .put("address", address)
        .put("pid", pid);
  }

  private static String orUnknown(String s) {
    return s == null ? "unknown" : s;
  }
}
