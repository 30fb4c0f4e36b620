package lbmesh.gateway.proxy;

import io.vertx.core.Future;
import lbmesh.gateway.sticky.StickStore;

/**
 * One sticky request's entry in the shared stick table: the client's key and the server the table names
 * for it, as far as this request knows. Moving the entry is a compare-and-replace on its owner, so when
 * two gateways redispatch the same client at once, one server wins and both send the client there.
 *
 * <p>As HAProxy's {@code option redispatch}: a request whose stuck server fails is retried elsewhere and
 * the entry moves with it before the retry goes out, so the client's next request, on any gateway, finds
 * the server that answered. A gateway whose near cache still names the old server fails to reach it and,
 * redispatching, is told the new one by the entry's owner.
 */
final class StickySession {
  private final StickStore store;
  private final String pool;
  private final String key;
  private final int ttlSeconds;
  /** The server the table names for the key (null: none yet). */
  private String server;

  StickySession(StickStore store, String pool, String key, int ttlSeconds) {
    this.store = store;
    this.pool = pool;
    this.key = key;
    this.ttlSeconds = ttlSeconds;
  }

  /** The server the table names, from this gateway's near cache when it holds the key. */
  Future<String> lookup() {
    return store.get(pool, key).map(s -> server = s);
  }

  String server() {
    return server;
  }

  /** The entry is in use: its idle timeout starts again. */
  void touch() {
    store.touch(pool, key, ttlSeconds);
  }

  /**
   * Moves the entry from the server it named to `to` (or creates it); completes with where it sticks
   * afterwards: `to`, or the server another gateway moved it to first.
   */
  Future<String> moveTo(String to) {
    return store.replace(pool, key, server, to, ttlSeconds).map(now -> server = now);
  }

  /** `answered` served the request: the entry must name it (a no-op when it does). */
  void answeredBy(String answered) {
    if (!answered.equals(server)) {
      moveTo(answered);
    }
  }
}
