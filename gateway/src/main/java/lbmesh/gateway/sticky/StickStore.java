package lbmesh.gateway.sticky;

import io.vertx.core.Future;

/** Where stick entries (client key to server id, per pool) live. */
public interface StickStore {

  /** The server a key sticks to, or null; completes at once when the entry is cached locally. */
  Future<String> get(String pool, String key);

  /**
   * Moves `key` from `expected` to `server` (a re-dispatch; `expected` null: a new client, so only if it
   * sticks nowhere yet); completes with where it sticks afterwards. Atomic on the entry, so of two gateways
   * moving one key at once, one wins and both learn which.
   */
  Future<String> replace(String pool, String key, String expected, String server, int ttlSeconds);

  /** Notes that `key` was used, so its idle timeout starts again. */
  void touch(String pool, String key, int ttlSeconds);
}
