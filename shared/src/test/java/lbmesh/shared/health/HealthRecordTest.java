package lbmesh.shared.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class HealthRecordTest {
  private static final JsonObject VERDICT = new HealthRecord("p", "s1", HealthRecord.DOWN, "503", 5, null, null, "hs")
      .toJson();

  @Test
  void verdictsComeFromHealthEventsWithAStatusOnly() {
    assertEquals(HealthRecord.DOWN, HealthRecord.verdictOf("health.down", VERDICT).status());
    assertEquals("s1", HealthRecord.verdictOf("load.changed", VERDICT).id());
    // an agent's report pushed through the registry: a load.changed without status
    JsonObject pushed = new JsonObject().put("pool", "p").put("id", "s1").put("weightPercent", 50)
        .put("source", "push");
    assertNull(HealthRecord.verdictOf("load.changed", pushed));
    assertNull(HealthRecord.verdictOf("server.updated", VERDICT));
    assertNull(HealthRecord.verdictOf("health.up", null));
    assertNull(HealthRecord.verdictOf(null, VERDICT));
  }

  @Test
  void theLowerConnectionLimitIsInForceAndZeroMeansNone() {
    HealthRecord agent5 = new HealthRecord("p", "s", "up", null, 0, null, null, null, 5);
    assertEquals(5, HealthRecord.maxConnectionsInForce(20, agent5));
    assertEquals(5, HealthRecord.maxConnectionsInForce(0, agent5));
    assertEquals(3, HealthRecord.maxConnectionsInForce(3, agent5));
    assertEquals(20, HealthRecord.maxConnectionsInForce(20, null));
    assertEquals(0, HealthRecord.maxConnectionsInForce(0, new HealthRecord("p", "s", "up", null, 0, null, null, null, 0)));
  }
}
