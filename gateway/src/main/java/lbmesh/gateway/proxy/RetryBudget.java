package lbmesh.gateway.proxy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A retry budget in the manner of Finagle's: every request deposits `percent`/100 of a retry, every
 * retry withdraws one, and `minPerSecond` retries are always allowed. When a whole pool fails, retries
 * add at most `percent` more load (plus the small floor) instead of multiplying it; when one server of
 * many dies, the deposits of the healthy traffic pay for retrying everything that was on it.
 *
 * <p>Why not Envoy's "retries in flight below 20% of active requests": a backend killed under load
 * fails all its requests at the same instant, and a concurrency cap then refuses retries that the
 * pool could easily absorb.
 */
public final class RetryBudget {
  static final long MILLI = 1000;

  private final int percent;
  private final int minPerSecond;
  private final long capMilli;
  private final LongSupplier clockMillis;
  private final AtomicLong deposits = new AtomicLong();
  private final AtomicLong floorTokens = new AtomicLong();
  private final AtomicLong floorRefilledAt;
  private final AtomicInteger active = new AtomicInteger();

  public RetryBudget(int percent, int minPerSecond) {
    this(percent, minPerSecond, System::currentTimeMillis);
  }

  RetryBudget(int percent, int minPerSecond, LongSupplier clockMillis) {
    this.percent = percent;
    this.minPerSecond = minPerSecond;
    // at most this many unused retries saved up, so a long quiet period cannot fund a storm
    this.capMilli = Math.max(100, minPerSecond * 10L) * MILLI;
    this.clockMillis = clockMillis;
    this.floorRefilledAt = new AtomicLong(clockMillis.getAsLong());
    this.floorTokens.set(minPerSecond * MILLI);
  }

  public void requestStarted() {
    active.incrementAndGet();
    long add = percent * MILLI / 100;
    deposits.accumulateAndGet(add, (cur, a) -> Math.min(capMilli, cur + a));
  }

  public void requestEnded() {
    active.decrementAndGet();
  }

  /** True when one retry may be made (and withdraws it). */
  public boolean tryRetry() {
    if (take(deposits)) {
      return true;
    }
    refillFloor();
    return take(floorTokens);
  }

  private static boolean take(AtomicLong bucket) {
    while (true) {
      long cur = bucket.get();
      if (cur < MILLI) {
        return false;
      }
      if (bucket.compareAndSet(cur, cur - MILLI)) {
        return true;
      }
    }
  }

  private void refillFloor() {
    long now = clockMillis.getAsLong();
    long last = floorRefilledAt.get();
    long elapsed = now - last;
    if (elapsed > 0 && floorRefilledAt.compareAndSet(last, now)) {
      long add = elapsed * minPerSecond;  // milli-retries: minPerSecond per 1000 ms
      floorTokens.accumulateAndGet(add, (cur, a) -> Math.min(minPerSecond * MILLI, cur + a));
    }
  }

  public int active() {
    return active.get();
  }
}
