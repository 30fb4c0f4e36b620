package lbmesh.failover.roles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import lbmesh.shared.failover.GatewayGroupSettings;
import lbmesh.shared.failover.GatewayMember;
import lbmesh.shared.failover.GatewayMode;
import lbmesh.shared.failover.RoleAssignment;
import org.junit.jupiter.api.Test;

class RoleAssignerTest {
  static GatewayMember gw(String id, GatewayMode mode, int priority, boolean preempt) {
    return new GatewayMember(id, "dc1", id + "-uuid", new GatewayGroupSettings("edge", mode, priority, preempt));
  }

  static GatewayMember ap(String id, int priority) {
    return gw(id, GatewayMode.ACTIVE_PASSIVE, priority, false);
  }

  @Test
  void activeActiveMakesEveryGatewayActive() {
    RoleAssignment r = RoleAssigner.assign("edge", List.of(gw("a", GatewayMode.ACTIVE_ACTIVE, 100, false),
        gw("b", GatewayMode.ACTIVE_ACTIVE, 100, false)), null);
    assertNull(r.active());
    assertEquals(List.of("active", "active"), r.gateways().stream().map(RoleAssignment.Gateway::role).toList());
  }

  @Test
  void activePassivePicksTheHighestPriorityThenTheOldest() {
    assertEquals("b", RoleAssigner.assign("edge", List.of(ap("a", 100), ap("b", 150), ap("c", 150)), null).active());
    RoleAssignment r = RoleAssigner.assign("edge", List.of(ap("a", 100), ap("b", 100)), null);
    assertEquals("a", r.active(), "a tie goes to the oldest member");
    assertEquals("passive", r.roleOf("b"));
  }

  @Test
  void theActiveKeepsItsRoleWhenAHigherPriorityGatewayReturnsWithoutPreemption() {
    RoleAssignment before = RoleAssigner.assign("edge", List.of(ap("b", 100)), null);
    RoleAssignment after = RoleAssigner.assign("edge", List.of(ap("b", 100), ap("a", 200)), before);
    assertEquals("b", after.active());
  }

  @Test
  void aHigherPriorityGatewayWithPreemptionTakesTheRoleBack() {
    RoleAssignment before = RoleAssigner.assign("edge", List.of(ap("b", 100)), null);
    RoleAssignment after = RoleAssigner.assign("edge", List.of(ap("b", 100),
        gw("a", GatewayMode.ACTIVE_PASSIVE, 200, true)), before);
    assertEquals("a", after.active());
    RoleAssignment equal = RoleAssigner.assign("edge", List.of(ap("b", 100),
        gw("c", GatewayMode.ACTIVE_PASSIVE, 100, true)), before);
    assertEquals("b", equal.active(), "preemption needs a strictly higher priority");
  }

  @Test
  void aDeadActiveIsReplacedAndAnEmptyGroupHasNoActive() {
    RoleAssignment before = RoleAssigner.assign("edge", List.of(ap("a", 100), ap("b", 90)), null);
    assertEquals("b", RoleAssigner.assign("edge", List.of(ap("b", 90)), before).active());
    RoleAssignment empty = RoleAssigner.assign("edge", List.of(), before);
    assertNull(empty.active());
    assertEquals(GatewayMode.ACTIVE_PASSIVE, empty.mode());
  }
}
