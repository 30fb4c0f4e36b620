package lbmesh.shared.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import org.junit.jupiter.api.Test;

class FailoverFollowerTest {
  static RoleAssignment role(String active, long epoch) {
    return new RoleAssignment("edge", GatewayMode.ACTIVE_PASSIVE, active, List.of(
        new RoleAssignment.Gateway("gw-1", "gw-1".equals(active) ? "active" : "passive", "dc1", 100),
        new RoleAssignment.Gateway("gw-2", "gw-2".equals(active) ? "active" : "passive", "dc1", 100)), epoch);
  }

  static Event event(EventType t, JsonObject data, long epoch) {
    return Event.of(t, "f", "dc1", data).withEpoch(epoch);
  }

  @Test
  void dropsDecisionsOfAnOlderEpochThanTheNewestSeen() {
    FailoverFollower f = new FailoverFollower(null);
    assertNull(f.leader());
    f.load(Map.of(FailoverMap.EPOCH, "3", FailoverMap.LEADER, FailoverMap.leaderJson("f-1", 3, 0).encode(),
        FailoverMap.roleKey("edge"), role("gw-1", 3).toJson().encode()));
    assertEquals(new FailoverFollower.Leader("f-1", 3), f.leader());
    assertEquals("gw-1", f.roles().get("edge").active());

    f.onEvent(event(EventType.LEADER_ELECTED, new JsonObject().put("nodeId", "f-2").put("epoch", 4), 4));
    f.onEvent(event(EventType.GATEWAY_ROLE, role("gw-2", 4).toJson(), 4));
    f.onEvent(event(EventType.GATEWAY_ROLE, role("gw-1", 3).toJson(), 3));
    assertEquals("gw-2", f.roles().get("edge").active(), "the deposed leader's late decision is dropped");
    f.onEvent(event(EventType.LEADER_ELECTED, new JsonObject().put("nodeId", "f-1").put("epoch", 3), 3));
    assertEquals(new FailoverFollower.Leader("f-2", 4), f.leader());
    assertEquals(4, f.epoch());

    DcPlan plan = new DcPlan("p", "local-first", 4, Map.of("dc1", Map.of("dc1", 1.0)), null);
    f.onEvent(event(EventType.DC_FAILBACK, new JsonObject().put("pool", "p").put("plan", plan.toJson()), 4));
    assertEquals(plan, f.plans().get("p"));
  }

  @Test
  void theEpochEntryNamesTheLeaderWhoTookItAheadOfAnOlderLeaderEntry() {
    FailoverFollower f = new FailoverFollower(null);
    // the new leader's bump committed; its write of `leader` has not landed yet
    f.load(Map.of(FailoverMap.EPOCH, FailoverMap.leaderJson("f-2", 5, 0).encode(),
        FailoverMap.LEADER, FailoverMap.leaderJson("f-1", 4, 0).encode()));
    assertEquals(new FailoverFollower.Leader("f-2", 5), f.leader());
    assertEquals(5, f.epoch());
    assertEquals(5, FailoverMap.epochOf(FailoverMap.leaderJson("f-2", 5, 0).encode()));
    assertNull(FailoverMap.leaderOf("5"), "a bare epoch from before names nobody");
  }

  @Test
  void bumpingTheEpochRecordsWhoTookIt() {
    Map.Entry<String, String> entry = new java.util.AbstractMap.SimpleEntry<>(FailoverMap.EPOCH, "7");
    assertEquals(8L, new FailoverMap.BumpEpoch(0, "f-3", 42).process(entry));
    assertEquals(new FailoverFollower.Leader("f-3", 8), FailoverMap.leaderOf(entry.getValue()));
    assertEquals(10L, new FailoverMap.BumpEpoch(9, "f-1", 43).process(entry), "the floor wins when higher");
  }
}
