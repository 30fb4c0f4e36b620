package lbmesh.systest;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waiting without sleeps as synchronisation: probe until it gives a value, or fail at the deadline. */
public final class Poll {
  private Poll() {
  }

  /**
   * Calls {@code probe} every {@code every} until it returns non-null (the result) or the deadline passes
   * (AssertionError naming {@code what} and the last value or exception seen). A probe that throws counts
   * as "not yet".
   */
  public static <T> T until(String what, Duration timeout, Duration every, Callable<T> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Object last = null;
    while (true) {
      try {
        T v = probe.call();
        if (v != null) {
          return v;
        }
      } catch (Exception | AssertionError e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        AssertionError err = new AssertionError("not within " + timeout.toMillis() + " ms: " + what
            + (last == null ? "" : " (last: " + last + ")"));
        if (last instanceof Throwable t) {
          err.initCause(t);
        }
        throw err;
      }
      try {
        Thread.sleep(every.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }

  /** {@link #until} for a condition. */
  public static void untilTrue(String what, Duration timeout, Callable<Boolean> condition) {
    until(what, timeout, Duration.ofMillis(100), () -> Boolean.TRUE.equals(condition.call()) ? Boolean.TRUE : null);
  }
}
