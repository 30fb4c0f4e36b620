package lbmesh.shared.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import lbmesh.shared.launch.Env;
import org.junit.jupiter.api.Test;

class GatewayGroupSettingsTest {
  @Test
  void defaultsToGroupEdgeActiveActivePriority100NoPreemption() {
    assertEquals(new GatewayGroupSettings("edge", GatewayMode.ACTIVE_ACTIVE, 100, false),
        GatewayGroupSettings.fromEnv(new Env(Map.of())));
  }

  @Test
  void readsEveryVariable() {
    assertEquals(new GatewayGroupSettings("blue", GatewayMode.ACTIVE_PASSIVE, 150, true),
        GatewayGroupSettings.fromEnv(new Env(Map.of("LB_GATEWAY_GROUP", "blue", "LB_GATEWAY_MODE", "active-passive",
            "LB_GATEWAY_PRIORITY", "150", "LB_PREEMPT", "true"))));
  }

  @Test
  void rejectsAnUnknownModeWithTheVariableName() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> GatewayGroupSettings.fromEnv(new Env(Map.of("LB_GATEWAY_MODE", "hot-standby"))));
    assertTrue(e.getMessage().contains("LB_GATEWAY_MODE"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> GatewayGroupSettings.fromEnv(new Env(Map.of("LB_PREEMPT", "yes"))));
  }

  @Test
  void roleAssignmentSurvivesJsonAndSaysWhoIsActive() {
    RoleAssignment r = new RoleAssignment("edge", GatewayMode.ACTIVE_PASSIVE, "gw-1", List.of(
        new RoleAssignment.Gateway("gw-1", "active", "dc1", 100),
        new RoleAssignment.Gateway("gw-2", "passive", "dc1", 90)), 4);
    RoleAssignment back = RoleAssignment.fromJson(new JsonObject(r.toJson().encode()));
    assertEquals(r, back);
    assertTrue(back.isActive("gw-1"));
    assertEquals("passive", back.roleOf("gw-2"));
    assertTrue(r.sameDecision(r.withEpoch(9)));
  }

  @Test
  void storedValuesCarryTheirEpoch() {
    assertEquals(12, FailoverMap.epochOf("12"));
    assertEquals(4, FailoverMap.epochOf(FailoverMap.leaderJson("f-1", 4, 0).encode()));
    assertEquals(0, FailoverMap.epochOf(null));
  }
}
