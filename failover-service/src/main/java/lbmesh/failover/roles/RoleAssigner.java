package lbmesh.failover.roles;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import lbmesh.shared.failover.GatewayMember;
import lbmesh.shared.failover.GatewayMode;
import lbmesh.shared.failover.RoleAssignment;

/**
 * Who serves in a gateway group: every live gateway in active-active mode; in active-passive mode the
 * current active keeps the role while it lives (no preemption by default), and a dead active is
 * replaced by the live gateway with the highest priority, ties going to the oldest member. A live
 * gateway of higher priority with preemption on takes the role back.
 */
public final class RoleAssigner {
  private RoleAssigner() {
  }

  /**
   * @param live the group's live gateways in Hazelcast member-list order (oldest first)
   * @param previous the decision in force, or null
   * @return the decision (epoch 0: the leader stamps its own)
   */
  public static RoleAssignment assign(String group, List<GatewayMember> live, RoleAssignment previous) {
    // members of one group should agree on the mode; if they do not, the oldest member's setting wins
    GatewayMode mode = !live.isEmpty() ? live.get(0).settings().mode()
        : previous != null ? previous.mode() : GatewayMode.ACTIVE_ACTIVE;
    String active = null;
    if (mode == GatewayMode.ACTIVE_PASSIVE && !live.isEmpty()) {
      GatewayMember best = live.stream()
          .max(Comparator.<GatewayMember>comparingInt(g -> g.settings().priority())
              .thenComparing(Comparator.comparingInt((GatewayMember g) -> live.indexOf(g)).reversed()))
          .orElseThrow();
      GatewayMember current = previous == null || previous.active() == null ? null
          : live.stream().filter(g -> g.nodeId().equals(previous.active())).findFirst().orElse(null);
      boolean preempts = current != null && best.settings().preempt()
          && best.settings().priority() > current.settings().priority();
      active = current == null || preempts ? best.nodeId() : current.nodeId();
    }
    List<RoleAssignment.Gateway> gateways = new ArrayList<>();
    for (GatewayMember g : live) {
      boolean isActive = mode == GatewayMode.ACTIVE_ACTIVE || g.nodeId().equals(active);
      gateways.add(new RoleAssignment.Gateway(g.nodeId(), isActive ? RoleAssignment.ACTIVE : RoleAssignment.PASSIVE,
          g.dc(), g.settings().priority()));
    }
    return new RoleAssignment(group, mode, active, gateways, 0);
  }
}
