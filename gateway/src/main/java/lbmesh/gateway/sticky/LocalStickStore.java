package lbmesh.gateway.sticky;

import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Stick entries of a gateway that runs without a cluster: one process, one map, idle entries purged. */
public final class LocalStickStore implements StickStore {
  private record Entry(String server, long expiresAt) {
  }

  private final Map<String, Entry> map = new ConcurrentHashMap<>();

  private static String k(String pool, String key) {
    return pool + '\u0000' + key;
  }

  private static long expiry(int ttl) {
    return System.currentTimeMillis() + ttl * 1000L;
  }

  @Override
  public Future<String> get(String pool, String key) {
    Entry e = map.get(k(pool, key));
    if (e != null && e.expiresAt < System.currentTimeMillis()) {
      map.remove(k(pool, key), e);
      e = null;
    }
    return Future.succeededFuture(e == null ? null : e.server);
  }

  @Override
  public Future<String> replace(String pool, String key, String expected, String server, int ttlSeconds) {
    Entry e = map.compute(k(pool, key), (kk, old) -> old == null || old.expiresAt < System.currentTimeMillis()
        || old.server.equals(expected) ? new Entry(server, expiry(ttlSeconds)) : old);
    return Future.succeededFuture(e.server);
  }

  @Override
  public void touch(String pool, String key, int ttlSeconds) {
    map.computeIfPresent(k(pool, key), (kk, old) -> new Entry(old.server, expiry(ttlSeconds)));
  }
}
