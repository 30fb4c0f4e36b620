package lbmesh.shared.sticky;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class StickValueTest {
  @Test
  void aValueCarriesItsServerAndExpiryAndIsDeadFromItsExpiryOn() {
    String stored = StickValue.of("web-1", 30, 1_000).encode();
    assertEquals(new StickValue("web-1", 31_000), StickValue.decode(stored));
    assertEquals("web-1", StickValue.liveServer(stored, 30_999));
    assertNull(StickValue.liveServer(stored, 31_000));
  }

  @Test
  void aServerIdWithSpacesSurvivesAndGarbageCountsAsNoEntry() {
    assertEquals("a b", StickValue.decode(new StickValue("a b", 5).encode()).server());
    assertNull(StickValue.decode("web-1"), "a value from before expiries were stored");
    assertNull(StickValue.decode("x web-1"));
    assertNull(StickValue.decode("12 "));
    assertNull(StickValue.liveServer(null, 0));
  }
}
