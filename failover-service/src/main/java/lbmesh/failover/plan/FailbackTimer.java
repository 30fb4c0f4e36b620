package lbmesh.failover.plan;

/**
 * The failback delay of an active-standby pool (leader state, fed a clock): the primary DC becomes
 * usable again only after its healthy capacity has been continuous for the delay; losing it makes the
 * primary unusable at once.
 */
public final class FailbackTimer {
  private boolean usable;
  private long healthySince = -1;

  /** @param usable whether traffic is on the primary now (a new leader continues the plan in force) */
  public FailbackTimer(boolean usable) {
    this.usable = usable;
  }

  /** Feeds the primary's health at `now`; returns whether the primary takes the traffic. */
  public boolean update(boolean primaryHealthy, long now, long delayMs) {
    if (!primaryHealthy) {
      usable = false;
      healthySince = -1;
    } else if (!usable) {
      if (healthySince < 0) {
        healthySince = now;
      }
      usable = now - healthySince >= delayMs;
    }
    return usable;
  }

  /** Whether the primary is healthy but still waiting out the delay. */
  public boolean waiting() {
    return !usable && healthySince >= 0;
  }
}
