package lbmesh.gateway.health;

import java.util.List;
import lbmesh.shared.model.Pool;

/**
 * Passive health (outlier detection, as Envoy's): a server with `consecutiveFailures` connect failures
 * or 5xx in a row is ejected for `baseEjectionMs × 2^(ejections-1)` (capped at 5 minutes), unless that
 * would eject more than `maxEjectionPercent` of its pool. Pure: the clock is passed in.
 */
public final class OutlierDetector {
  /** Longest single ejection. */
  public static final long MAX_EJECTION_MS = 300_000;

  private OutlierDetector() {
  }

  /** Records a good answer: the failure streak ends. */
  public static void success(ServerStats s) {
    if (s.consecutiveFailures().get() != 0) {
      s.consecutiveFailures().set(0);
    }
  }

  /**
   * Records a failure; returns the ejection time in ms when this failure ejected the server, else 0.
   * `pool` is every server of the pool (to bound the ejected share).
   */
  public static long failure(ServerStats s, Pool.Outlier cfg, List<ServerStats> pool, long now) {
    s.countFailure();
    int streak = s.consecutiveFailures().incrementAndGet();
    if (cfg.consecutiveFailures() <= 0 || streak < cfg.consecutiveFailures() || s.isEjected(now)) {
      return 0;
    }
    long ejected = pool.stream().filter(p -> p != s && p.isEjected(now)).count();
    if ((ejected + 1) * 100 > (long) cfg.maxEjectionPercent() * pool.size()) {
      return 0;
    }
    int n = s.ejectionCount().incrementAndGet();
    long duration = Math.min(MAX_EJECTION_MS, cfg.baseEjectionMs() * (1L << Math.min(n - 1, 20)));
    long until = now + duration;
    long prev = s.ejectedUntilRef().get();
    if (prev > now || !s.ejectedUntilRef().compareAndSet(prev, until)) {
      return 0;
    }
    s.consecutiveFailures().set(0);
    return duration;
  }

  /**
   * Ends an ejection early because an active health check found the server up again (Envoy's
   * `successful_active_health_check_uneject_host`, on by default there too); true if it was ejected.
   * The ejection count stays, so a server that fails again is ejected for longer.
   */
  public static boolean uneject(ServerStats s, long now) {
    long until = s.ejectedUntilRef().get();
    return until > now && s.ejectedUntilRef().compareAndSet(until, 0);
  }

  /** True once when an ejection has run out: the caller announces the restore. */
  public static boolean expired(ServerStats s, long now) {
    long until = s.ejectedUntilRef().get();
    return until != 0 && until <= now && s.ejectedUntilRef().compareAndSet(until, 0);
  }
}
