package lbmesh.gateway.sticky;

import io.vertx.core.Future;

/** Where stick entries (client key to server id, per pool) live. */
public interface StickStore {

  /** The server a key sticks to, or null; completes at once when the entry is cached locally. */
  Future<String> get(String pool, String key);

  /** Sticks `key` to `server` unless it already sticks somewhere; completes with the winner. */
  Future<String> putIfAbsent(String pool, String key, String server, int ttlSeconds);

  /** Moves `key` from `expected` to `server` (re-dispatch); completes with where it sticks afterwards. */
  Future<String> replace(String pool, String key, String expected, String server, int ttlSeconds);

  /** Notes that `key` was used, so its idle timeout starts again. */
  void touch(String pool, String key, int ttlSeconds);
}
