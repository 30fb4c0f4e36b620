package lbmesh.shared.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lbmesh.shared.failover.DcPlanner.Capacity;
import lbmesh.shared.model.Pool;
import org.junit.jupiter.api.Test;

class DcPlannerTest {
  static final Pool.Locality LOCAL_FIRST = new Pool.Locality("local-first", null, 30);
  static final Pool.Locality STANDBY = new Pool.Locality("active-standby", "dc1", 30);

  static List<Capacity> servers(String dc, int up, int down) {
    List<Capacity> l = new ArrayList<>();
    for (int i = 0; i < up; i++) {
      l.add(new Capacity(dc, 1, true));
    }
    for (int i = 0; i < down; i++) {
      l.add(new Capacity(dc, 1, false));
    }
    return l;
  }

  static List<Capacity> concat(List<Capacity> a, List<Capacity> b) {
    List<Capacity> l = new ArrayList<>(a);
    l.addAll(b);
    return l;
  }

  @Test
  void localFirstKeepsAllTrafficHomeWhileTheLocalDcIsHealthyEnough() {
    // 4 of 5 healthy: 1.4 x 0.8 = 1.12, capped at 1: nothing spills
    DcPlan p = DcPlanner.plan("p", LOCAL_FIRST, concat(servers("dc1", 4, 1), servers("dc2", 3, 0)), Set.of(), false);
    assertEquals(Map.of("dc1", 1.0), p.sharesFrom("dc1"));
    assertEquals(Map.of("dc2", 1.0), p.sharesFrom("dc2"));
  }

  @Test
  void localFirstSpillsTheLostCapacityTimesOverprovisioningToTheOtherDc() {
    // 3 local servers, 2 down: health(P0) = 1.4 x 1/3 = 0.4667, the remote DC takes the rest
    DcPlan p = DcPlanner.plan("p", LOCAL_FIRST, concat(servers("dc1", 1, 2), servers("dc2", 3, 0)), Set.of(), false);
    assertEquals(0.4667, p.sharesFrom("dc1").get("dc1"), 1e-9);
    assertEquals(0.5333, p.sharesFrom("dc1").get("dc2"), 1e-9);
    assertEquals(Map.of("dc2", 1.0), p.sharesFrom("dc2"), "dc2 is fully healthy and keeps its traffic");
  }

  @Test
  void localFirstSplitsTheOverflowOverOtherDcsByHealthyWeight() {
    List<Capacity> s = concat(servers("dc1", 0, 2), servers("dc2", 1, 0));
    s.add(new Capacity("dc3", 3, true));
    s.add(new Capacity("dc3", 2, false));
    DcPlan p = DcPlanner.plan("p", LOCAL_FIRST, s, Set.of(), false);
    // P0 dead: all to P1, split 1 : 3 by healthy weight
    assertEquals(Map.of("dc2", 0.25, "dc3", 0.75), p.sharesFrom("dc1"));
  }

  @Test
  void localFirstNormalisesWhenBothLevelsAreDegraded() {
    // P0 1 of 5 healthy: 0.28; P1 1 of 5 healthy: 0.28; sum 0.56 < 1: normalised to 0.5 / 0.5
    DcPlan p = DcPlanner.plan("p", LOCAL_FIRST, concat(servers("dc1", 1, 4), servers("dc2", 1, 4)), Set.of(), false);
    assertEquals(Map.of("dc1", 0.5, "dc2", 0.5), p.sharesFrom("dc1"));
  }

  @Test
  void localFirstPanicsOverEveryDcByWeightWhenNothingIsHealthy() {
    DcPlan p = DcPlanner.plan("p", LOCAL_FIRST, concat(servers("dc1", 0, 1), servers("dc2", 0, 3)), Set.of(), false);
    assertEquals(Map.of("dc1", 0.25, "dc2", 0.75), p.sharesFrom("dc1"));
  }

  @Test
  void aGatewayDcWithoutServersSendsEverythingAway() {
    DcPlan p = DcPlanner.plan("p", LOCAL_FIRST, servers("dc1", 2, 0), Set.of("dc9"), false);
    assertEquals(Map.of("dc1", 1.0), p.sharesFrom("dc9"));
  }

  @Test
  void activeStandbySendsEverythingToThePrimaryWhileUsable() {
    DcPlan p = DcPlanner.plan("p", STANDBY, concat(servers("dc1", 1, 2), servers("dc2", 3, 0)), Set.of(), true);
    assertEquals(Map.of("dc1", 1.0), p.sharesFrom("dc2"));
    assertEquals("dc1", p.activeDc());
  }

  @Test
  void activeStandbyUsesStandbyDcsByHealthyWeightWhenThePrimaryIsNot() {
    List<Capacity> s = concat(servers("dc1", 0, 3), servers("dc2", 1, 0));
    s.add(new Capacity("dc3", 3, true));
    DcPlan p = DcPlanner.plan("p", STANDBY, s, Set.of(), false);
    assertEquals(Map.of("dc2", 0.25, "dc3", 0.75), p.sharesFrom("dc1"));
    assertEquals("dc3", p.activeDc());
    assertEquals(false, DcPlanner.hasHealthyCapacity(s, "dc1"));
  }

  @Test
  void anyHasNoShares() {
    DcPlan p = DcPlanner.plan("p", Pool.Locality.DEFAULT, servers("dc1", 1, 0), Set.of(), false);
    assertNull(p.shares());
    assertNull(p.sharesFrom("dc1"));
  }

  @Test
  void planSurvivesJson() {
    DcPlan p = DcPlanner.plan("p", STANDBY, concat(servers("dc1", 0, 3), servers("dc2", 1, 0)), Set.of(), false)
        .withEpoch(7);
    assertEquals(p, DcPlan.fromJson(new io.vertx.core.json.JsonObject(p.toJson().encode())));
    DcPlan any = DcPlanner.plan("q", Pool.Locality.DEFAULT, List.of(), Set.of(), false);
    assertEquals(any, DcPlan.fromJson(any.toJson()));
  }
}
