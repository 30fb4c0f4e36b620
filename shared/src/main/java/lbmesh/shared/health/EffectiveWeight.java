package lbmesh.shared.health;

import lbmesh.shared.model.Server;

/**
 * The weight a server is balanced with: registry weight × the agent's percentage × the slow-start
 * ramp after a recovery. One definition for the gateways (which balance with it) and the registry's
 * cluster view (which shows it).
 */
public final class EffectiveWeight {
  /** The ramp starts here, so a recovered server gets some traffic at once. */
  public static final double SLOW_START_FLOOR = 0.1;

  private EffectiveWeight() {
  }

  /** The effective weight as a multiple of the registry weight unit (1.0 = registry weight 1). */
  public static double of(Server s, HealthRecord h, int slowStartSeconds, long now) {
    if (h != null && h.isDown()) {
      return 0;
    }
    double w = s.weight();
    if (h != null && h.weightPercent() != null) {
      w = w * h.weightPercent() / 100.0;
    }
    if (h != null && HealthRecord.UP.equals(h.status())) {
      w = w * slowStartFactor(h.since(), now, slowStartSeconds);
    }
    return w;
  }

  /** Linear ramp from {@link #SLOW_START_FLOOR} to 1 over the slow-start window after a server came up. */
  public static double slowStartFactor(long since, long now, int slowStartSeconds) {
    if (slowStartSeconds <= 0 || since <= 0) {
      return 1.0;
    }
    double elapsed = (now - since) / 1000.0;
    if (elapsed >= slowStartSeconds) {
      return 1.0;
    }
    return Math.max(SLOW_START_FLOOR, Math.max(0, elapsed) / slowStartSeconds);
  }
}
