package lbmesh.gateway.proxy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Envoy's retry budget: retries in flight may be at most `percent` of active requests (but always at
 * least `minConcurrency`), so retries cannot multiply load on a failing pool.
 */
public final class RetryBudget {
  private final int percent;
  private final int minConcurrency;
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger retrying = new AtomicInteger();

  public RetryBudget(int percent, int minConcurrency) {
    this.percent = percent;
    this.minConcurrency = minConcurrency;
  }

  public void requestStarted() {
    active.incrementAndGet();
  }

  public void requestEnded() {
    active.decrementAndGet();
  }

  /** Takes a retry slot if the budget allows; give it back with {@link #retryEnded()}. */
  public boolean tryRetry() {
    while (true) {
      int r = retrying.get();
      int allowed = Math.max(minConcurrency, active.get() * percent / 100);
      if (r >= allowed) {
        return false;
      }
      if (retrying.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  public void retryEnded() {
    retrying.decrementAndGet();
  }

  public int active() {
    return active.get();
  }
}
