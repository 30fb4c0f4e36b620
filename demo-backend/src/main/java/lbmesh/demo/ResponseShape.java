package lbmesh.demo;

import io.vertx.core.MultiMap;

/**
 * What the query string asks of a response: {@code ?delay=ms}, {@code ?status=code}, {@code
 * ?size=bytes}.
 *
 * @param delayMs how long to wait before answering
 * @param status the status code to answer with
 * @param size body length in bytes, or -1 for the usual JSON identity body
 */
record ResponseShape(long delayMs, int status, long size) {

  static final long MAX_DELAY_MS = 60_000;
  /** Large enough for any test, small enough to catch a typo that would stream for hours. */
  static final long MAX_SIZE = 1L << 40;

  /** Reads the shaping parameters; throws IllegalArgumentException with a message fit for a 400. */
  static ResponseShape parse(MultiMap query) {
    long delay = number(query, "delay", 0, 0, MAX_DELAY_MS);
    int status = (int) number(query, "status", 200, 200, 599);
    long size = number(query, "size", -1, 0, MAX_SIZE);
    return new ResponseShape(delay, status, size);
  }

  /** HTTP forbids a body on these statuses, so they are answered empty whatever else was asked. */
  boolean bodyForbidden() {
    return status == 204 || status == 304;
  }

  private static long number(MultiMap query, String name, long absent, long min, long max) {
    String raw = query.get(name);
    if (raw == null) {
      return absent;
    }
    long value;
    try {
      value = Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      value = Long.MIN_VALUE;
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be an integer in " + min + ".." + max);
    }
    return value;
  }
}
