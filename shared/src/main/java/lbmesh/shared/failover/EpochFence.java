package lbmesh.shared.failover;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The reader's half of fencing: remembers the highest leader epoch seen and accepts a decision only if
 * it carries that epoch or a newer one, so a deposed leader's late decisions are dropped. Thread-safe.
 */
public final class EpochFence {
  private final AtomicLong highest = new AtomicLong(Long.MIN_VALUE);

  /** True if `epoch` is at least the highest seen so far (and records it). */
  public boolean accept(long epoch) {
    while (true) {
      long h = highest.get();
      if (epoch < h) {
        return false;
      }
      if (epoch == h || highest.compareAndSet(h, epoch)) {
        return true;
      }
    }
  }

  /** The highest epoch seen, or 0 when none. */
  public long highest() {
    long h = highest.get();
    return h == Long.MIN_VALUE ? 0 : h;
  }
}
