package lbmesh.gateway.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.failover.DcPlan;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A gateway in dc1 follows the leader's DC plan for a pool, and leaves the plan's DC only when it must. */
class LocalityRoutingTest {
  private final GatewayHarness h = new GatewayHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private static Server in(String dc, DemoBackend b) {
    return Server.fromJson(GatewayHarness.server(b, 1).toJson().put("dc", dc));
  }

  private void plan(Map<String, Double> fromDc1) {
    h.gateway.state().plans(Map.of("default", new DcPlan("default", "local-first", 1,
        Map.of("dc1", fromDc1, "dc2", Map.of("dc2", 1.0)), null)));
  }

  @Test
  void sharesOfThePlanAreFollowedAndAPlanDcWithoutServersFallsBackToTheOthers() throws Exception {
    DemoBackend l1 = h.backend();
    DemoBackend l2 = h.backend();
    DemoBackend r1 = h.backend();
    h.start();
    h.pool(Pool.fromJson(Pool.defaults("default").toJson()
        .put("locality", new JsonObject().put("mode", "local-first"))));
    h.server("default", in("dc1", l1));
    h.server("default", in("dc1", l2));
    h.server("default", in("dc2", r1));
    h.awaitTable();
    assertEquals("dc1", h.gateway.state().dc());

    // no plan yet: every DC alike (round robin over all three)
    Map<String, Integer> none = h.spread(300);
    assertEquals(100, none.get(r1.id()));

    plan(Map.of("dc1", 1.0));
    Map<String, Integer> local = h.spread(200);
    assertEquals(null, local.get(r1.id()), "all local while the plan says so: " + local);

    plan(Map.of("dc1", 0.4, "dc2", 0.6));
    Map<String, Integer> spill = h.spread(1000);
    double remote = spill.getOrDefault(r1.id(), 0) / 1000.0;
    System.out.printf("plan dc1 0.4 / dc2 0.6 -> measured dc2 share %.3f%n", remote);
    // binomial, n=1000, p=0.6: sd 0.0155; 0.06 is almost 4 sd
    assertTrue(Math.abs(remote - 0.6) < 0.06, "dc2 share " + remote);

    // the plan still says dc2 only, but dc2's only server is gone from this gateway's table
    plan(Map.of("dc2", 1.0));
    h.removeServer("default", r1.id());
    h.awaitTable();
    Map<String, Integer> fallback = h.spread(50);
    assertEquals(50, fallback.getOrDefault(l1.id(), 0) + fallback.getOrDefault(l2.id(), 0));
  }

  @Test
  void choiceDrawsInProportionAndIgnoresZeroShares() {
    DcChoice c = DcChoice.of(Map.of("a", 0.25, "b", 0.75, "c", 0.0));
    assertEquals(0.25, c.share("a"), 1e-9);
    assertEquals(0.75, c.share("b"), 1e-9);
    assertEquals(0, c.share("c"));
    assertEquals("a", c.pick(0.0));
    assertEquals("a", c.pick(0.2499));
    assertEquals("b", c.pick(0.25));
    assertEquals("b", c.pick(0.9999));
    assertEquals(null, DcChoice.of(Map.of("a", 0.0)));
    assertEquals(null, DcChoice.of(null));
  }
}
