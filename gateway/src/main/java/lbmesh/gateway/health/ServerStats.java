package lbmesh.gateway.health;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one server as this gateway sees it: exact in-flight count, latency EWMA, passive
 * health. Survives routing-table rebuilds (keyed by pool and server id) and is shared by every event
 * loop; every field is lock-free.
 */
public final class ServerStats {
  /** Weight of the newest sample in the latency EWMA. */
  static final double EWMA_ALPHA = 0.2;

  private final String pool;
  private final String id;
  private final AtomicInteger inflight = new AtomicInteger();
  private final AtomicLong ewmaBits = new AtomicLong(Double.doubleToRawLongBits(Double.NaN));
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final AtomicInteger ejections = new AtomicInteger();
  private final AtomicLong ejectedUntil = new AtomicLong();
  private final LongAdder requests = new LongAdder();
  private final LongAdder failures = new LongAdder();

  private volatile Object meters;
  /** The other gateways' last reported in-flight count for this server. */
  private volatile int remoteInflight;

  public ServerStats(String pool, String id) {
    this.pool = pool;
    this.id = id;
  }

  /** The metrics object bound to this server (set once by the metrics side; opaque here). */
  public Object meters() {
    return meters;
  }

  public void meters(Object m) {
    this.meters = m;
  }

  public String pool() {
    return pool;
  }

  public String id() {
    return id;
  }

  /** This gateway's exact count. */
  public int inflight() {
    return inflight.get();
  }

  /** Cluster-wide: this gateway's exact count plus the others' last reports. */
  public int clusterInflight() {
    return inflight.get() + remoteInflight;
  }

  public int remoteInflight() {
    return remoteInflight;
  }

  public void remoteInflight(int n) {
    this.remoteInflight = n;
  }

  public void begin() {
    inflight.incrementAndGet();
    requests.increment();
  }

  public void end() {
    inflight.decrementAndGet();
  }

  /**
   * Takes a request slot only if fewer than `max` are in flight cluster-wide (max 0: unlimited). The
   * others' share is as of their last report: the limit holds within one share interval's staleness.
   */
  public boolean tryBegin(int max) {
    if (max <= 0) {
      begin();
      return true;
    }
    while (true) {
      int n = inflight.get();
      if (n + remoteInflight >= max) {
        return false;
      }
      if (inflight.compareAndSet(n, n + 1)) {
        requests.increment();
        return true;
      }
    }
  }

  public double latencyMillis() {
    return Double.longBitsToDouble(ewmaBits.get());
  }

  public void recordLatency(double millis) {
    while (true) {
      long bits = ewmaBits.get();
      double old = Double.longBitsToDouble(bits);
      double next = Double.isNaN(old) ? millis : old + EWMA_ALPHA * (millis - old);
      if (ewmaBits.compareAndSet(bits, Double.doubleToRawLongBits(next))) {
        return;
      }
    }
  }

  public long requests() {
    return requests.sum();
  }

  public long failures() {
    return failures.sum();
  }

  AtomicInteger consecutiveFailures() {
    return consecutiveFailures;
  }

  AtomicInteger ejectionCount() {
    return ejections;
  }

  void countFailure() {
    failures.increment();
  }

  public int ejections() {
    return ejections.get();
  }

  public long ejectedUntil() {
    return ejectedUntil.get();
  }

  AtomicLong ejectedUntilRef() {
    return ejectedUntil;
  }

  public boolean isEjected(long nowMillis) {
    return ejectedUntil.get() > nowMillis;
  }
}
