package lbmesh.gateway.proxy;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs each answer the gateway makes itself (the 4xx it refuses a request with, its 502, 503 and 504) with
 * its reason: a 5xx at WARNING, a 4xx at INFO. At most `perSecond` lines a second for the whole process, so a
 * storm (a dead pool under load, a scanner) cannot flood the log; the answers left out are counted and the
 * next line says how many. Thread-safe: every event loop shares one.
 */
final class AnswerLog {
  static final String LOGGER = "lbmesh.gateway.answers";
  private static final Logger LOG = Logger.getLogger(LOGGER);
  /** Longest request target quoted in a line. */
  private static final int MAX_TARGET = 200;

  private final int perSecond;
  private final LongSupplier clockMillis;
  private final AtomicLong windowStart = new AtomicLong();
  private final AtomicLong inWindow = new AtomicLong();
  private final AtomicLong suppressed = new AtomicLong();

  AnswerLog(int perSecond, LongSupplier clockMillis) {
    this.perSecond = perSecond;
    this.clockMillis = clockMillis;
  }

  /**
   * Logs one answer unless this second's lines are spent; true when it was logged. `method` and `target`
   * may be null (a request head too malformed to have them).
   */
  boolean answered(int status, String client, String method, String target, String reason) {
    Level level = status >= 500 ? Level.WARNING : Level.INFO;
    if (!LOG.isLoggable(level)) {
      return false;
    }
    long now = clockMillis.getAsLong();
    long start = windowStart.get();
    if (now - start >= 1000 && windowStart.compareAndSet(start, now)) {
      inWindow.set(0);
    }
    if (inWindow.incrementAndGet() > perSecond) {
      suppressed.incrementAndGet();
      return false;
    }
    long left = suppressed.getAndSet(0);
    StringBuilder line = new StringBuilder(128).append("answered ").append(status).append(' ');
    line.append(method == null ? "-" : method).append(' ').append(target == null ? "-" : printable(target));
    line.append(" from ").append(client).append(": ").append(reason);
    if (left > 0) {
      line.append(" (").append(left).append(" more answers of the gateway's own not logged before this one)");
    }
    LOG.log(level, line.toString());
    return true;
  }

  /** A client's request target as it may appear in a log line: cut short, control characters escaped. */
  static String printable(String target) {
    int n = Math.min(target.length(), MAX_TARGET);
    StringBuilder b = null;
    for (int i = 0; i < n; i++) {
      char c = target.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        if (b == null) {
          b = new StringBuilder(n + 8).append(target, 0, i);
        }
        b.append(String.format("\\x%02x", (int) c));
      } else if (b != null) {
        b.append(c);
      }
    }
    String out = b == null ? target.substring(0, n) : b.toString();
    return target.length() > MAX_TARGET ? out + "..." : out;
  }
}
