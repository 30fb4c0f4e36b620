package lbmesh.shared.cluster;

import com.hazelcast.cluster.Member;

/**
 * What a member is for (LB_ROLE, carried as the member attribute {@link MemberInfo#ATTR_ROLE}): an
 * ordinary member of its service, or a failover-service witness, which counts towards the quorum of a
 * deployment over two DCs and never leads or serves (DESIGN.md "Cluster").
 */
public enum MemberRole {
  MEMBER("member"),
  WITNESS("witness");

  public static final String ENV = "LB_ROLE";

  private final String wire;

  MemberRole(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** The role named by LB_ROLE; anything else is a startup error. */
  public static MemberRole fromWire(String v) {
    for (MemberRole r : values()) {
      if (r.wire.equals(v)) {
        return r;
      }
    }
    throw new IllegalStateException(ENV + " must be 'member' or 'witness', got '" + v + "'");
  }

  /** The role a member joined with; a member without the attribute is an ordinary one. */
  public static MemberRole of(Member m) {
    return WITNESS.wire.equals(m.getAttribute(MemberInfo.ATTR_ROLE)) ? WITNESS : MEMBER;
  }
}
