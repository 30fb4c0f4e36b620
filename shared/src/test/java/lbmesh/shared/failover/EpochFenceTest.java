package lbmesh.shared.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EpochFenceTest {
  @Test
  void acceptsTheSameOrANewerEpochAndDropsOlderOnes() {
    EpochFence f = new EpochFence();
    assertEquals(0, f.highest());
    assertTrue(f.accept(3));
    assertTrue(f.accept(3), "more decisions of the same leader");
    assertTrue(f.accept(5));
    assertFalse(f.accept(4), "a deposed leader's late decision");
    assertEquals(5, f.highest());
  }
}
