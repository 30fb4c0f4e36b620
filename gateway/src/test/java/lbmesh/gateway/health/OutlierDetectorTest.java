package lbmesh.gateway.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import lbmesh.shared.model.Pool;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
  private final Pool.Outlier cfg = new Pool.Outlier(3, 1000, 50);
  private final ServerStats a = new ServerStats("p", "a");
  private final ServerStats b = new ServerStats("p", "b");
  private final ServerStats c = new ServerStats("p", "c");
  private final ServerStats d = new ServerStats("p", "d");
  private final List<ServerStats> pool = List.of(a, b, c, d);

  private long failTimes(ServerStats s, int n, long now) {
    long ejected = 0;
    for (int i = 0; i < n; i++) {
      ejected = Math.max(ejected, OutlierDetector.failure(s, cfg, pool, now));
    }
    return ejected;
  }

  @Test
  void ejectsAfterConsecutiveFailuresOnlyAndASuccessResetsTheStreak() {
    assertEquals(0, failTimes(a, 2, 0));
    OutlierDetector.success(a);
    assertEquals(0, failTimes(a, 2, 0), "the streak restarted");
    assertEquals(1000, failTimes(a, 1, 0));
    assertTrue(a.isEjected(999));
    assertFalse(a.isEjected(1000));
  }

  @Test
  void repeatedEjectionsLastLongerAndRestoreIsAnnouncedOnce() {
    assertEquals(1000, failTimes(a, 3, 0));
    assertTrue(OutlierDetector.expired(a, 1000));
    assertFalse(OutlierDetector.expired(a, 1001), "announced once");
    assertEquals(2000, failTimes(a, 3, 2000));
    assertTrue(OutlierDetector.expired(a, 4000));
    assertEquals(4000, failTimes(a, 3, 5000));
  }

  @Test
  void neverEjectsMoreThanTheConfiguredShareOfThePool() {
    assertTrue(failTimes(a, 3, 0) > 0);
    assertTrue(failTimes(b, 3, 0) > 0);
    assertEquals(0, failTimes(c, 3, 0), "a third ejection would be 75% of the pool, over the 50% cap");
    assertFalse(c.isEjected(1));
  }

  @Test
  void zeroConsecutiveFailuresDisablesEjection() {
    Pool.Outlier off = new Pool.Outlier(0, 1000, 100);
    for (int i = 0; i < 100; i++) {
      assertEquals(0, OutlierDetector.failure(a, off, pool, 0));
    }
  }
}
