package lbmesh.shared.failover;

import com.hazelcast.cluster.Member;
import lbmesh.shared.cluster.MemberInfo;

/** A live gateway as the cluster sees it: who it is, where, and its group settings. */
public record GatewayMember(String nodeId, String dc, String uuid, GatewayGroupSettings settings) {

  /** The gateway behind a member, or null when the member is not a gateway with group settings. */
  public static GatewayMember of(Member m) {
    GatewayGroupSettings g = GatewayGroupSettings.of(m);
    if (g == null) {
      return null;
    }
    MemberInfo info = MemberInfo.of(m);
    return new GatewayMember(info.nodeId(), info.dc(), info.uuid(), g);
  }

  public String group() {
    return settings.group();
  }
}
