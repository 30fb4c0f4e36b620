package lbmesh.shared.sticky;

/**
 * A stick-table value: the server a client sticks to and when the entry expires, as
 * {@code <expiresAtMillis> <serverId>}. The expiry travels with the value because a gateway reads through
 * its near cache, which an expiry on the entry's owner does not invalidate: a gateway checks it itself.
 * Hazelcast's own TTL on the entry is longer by {@link #HAZELCAST_SLACK_SECONDS} (it keeps entry times in
 * whole seconds and may drop an entry up to one early), and only reclaims the memory.
 */
public record StickValue(String server, long expiresAt) {
  public static final int HAZELCAST_SLACK_SECONDS = 1;

  /** A value written now that lives `ttlSeconds`. */
  public static StickValue of(String server, int ttlSeconds, long nowMillis) {
    return new StickValue(server, nowMillis + ttlSeconds * 1000L);
  }

  public String encode() {
    return expiresAt + " " + server;
  }

  /** The value stored, or null when none is or it is malformed (treated as no entry). */
  public static StickValue decode(String stored) {
    if (stored == null) {
      return null;
    }
    int sp = stored.indexOf(' ');
    if (sp <= 0 || sp == stored.length() - 1) {
      return null;
    }
    try {
      return new StickValue(stored.substring(sp + 1), Long.parseLong(stored, 0, sp, 10));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The server of a stored value that has not expired at `nowMillis`, else null. */
  public static String liveServer(String stored, long nowMillis) {
    StickValue v = decode(stored);
    return v == null || v.expiresAt <= nowMillis ? null : v.server;
  }
}
