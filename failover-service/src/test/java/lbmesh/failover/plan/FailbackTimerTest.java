package lbmesh.failover.plan;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FailbackTimerTest {
  @Test
  void failsOverAtOnceAndFailsBackOnlyAfterTheDelayOfContinuousHealth() {
    FailbackTimer t = new FailbackTimer(true);
    assertTrue(t.update(true, 0, 30_000));
    assertFalse(t.update(false, 1_000, 30_000), "no healthy capacity: fail over at once");
    assertFalse(t.update(true, 2_000, 30_000));
    assertTrue(t.waiting());
    assertFalse(t.update(false, 10_000, 30_000), "a flap restarts the delay");
    assertFalse(t.update(true, 11_000, 30_000));
    assertFalse(t.update(true, 40_999, 30_000));
    assertTrue(t.update(true, 41_000, 30_000), "30 s of continuous health: fail back");
    assertFalse(t.waiting());
  }
}
