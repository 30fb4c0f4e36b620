package lbmesh.gateway.sticky;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.sticky.StickEntryProcessors;
import lbmesh.shared.sticky.StickValue;

/**
 * Stick tables shared by every gateway: IMap {@code lb.stick.<pool>} with a backup (in another DC when
 * partition groups are per DC) and a near cache on each gateway (configured in the cluster bootstrap),
 * so a hit never leaves the process. A compare-and-replace on the entry's owner decides a race between
 * two gateways.
 *
 * <p>Entries carry a TTL; a gateway that served a key since the last sweep renews it (near-cache hits do
 * not reach the entry's owner, so Hazelcast's own idle timer would expire active clients). The expiry is
 * in the value ({@link StickValue}) and checked on every read: an expiry on the owner does not invalidate
 * the near caches, which would otherwise keep an idle client's entry forever. Writes are
 * entry processors ({@link StickEntryProcessors}): IMap has no async putIfAbsent with a TTL.
 */
public final class ClusterStickStore implements StickStore {
  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final Map<String, IMap<String, String>> maps = new ConcurrentHashMap<>();
  private final Map<String, Integer> touched = new ConcurrentHashMap<>();

  public ClusterStickStore(Vertx vertx, HazelcastInstance hz) {
    this.vertx = vertx;
    this.hz = hz;
  }

  /**
   * The pool's table. The first use creates its proxy, which registers the near cache's invalidation
   * listener on every member and waits for them: that runs on a worker, never on the event loop.
   */
  private Future<IMap<String, String>> map(String pool) {
    IMap<String, String> m = maps.get(pool);
    if (m != null) {
      return Future.succeededFuture(m);
    }
    return vertx.executeBlocking(() -> maps.computeIfAbsent(pool, p -> hz.getMap(Addresses.STICK_MAP_PREFIX + p)),
        false);
  }

  /** A Vert.x future of a Hazelcast stage, completed without a context hop when already done. */
  private <T> Future<T> wrap(CompletionStage<T> stage) {
    CompletableFuture<T> cf = stage.toCompletableFuture();
    if (cf.isDone() && !cf.isCompletedExceptionally()) {
      return Future.succeededFuture(cf.join());
    }
    Context ctx = vertx.getOrCreateContext();
    Promise<T> p = Promise.promise();
    cf.whenComplete((v, err) -> ctx.runOnContext(x -> {
      if (err != null) {
        p.fail(err);
      } else {
        p.complete(v);
      }
    }));
    return p.future();
  }

  @Override
  public Future<String> get(String pool, String key) {
    IMap<String, String> m = maps.get(pool);
    // the hot path (a near-cache hit on a known table) allocates no composed future
    return (m != null ? wrap(m.getAsync(key)) : map(pool).compose(t -> wrap(t.getAsync(key))))
        .map(v -> StickValue.liveServer(v, System.currentTimeMillis()));
  }

  @Override
  public Future<String> replace(String pool, String key, String expected, String server, int ttlSeconds) {
    return map(pool).compose(m -> wrap(m.submitToKey(key, new StickEntryProcessors.Replace(expected, server,
        ttlSeconds))).map(now -> {
          // warm the near cache, so this client's next request does not travel
          m.getAsync(key);
          return now;
        }));
  }

  @Override
  public void touch(String pool, String key, int ttlSeconds) {
    touched.put(pool + '\u0000' + key, ttlSeconds);
  }

  /** Renews the TTL of every entry served since the last sweep (asynchronous operations, fire and forget). */
  public int sweep() {
    int n = 0;
    for (var it = touched.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      it.remove();
      int sep = e.getKey().indexOf('\u0000');
      IMap<String, String> m = maps.get(e.getKey().substring(0, sep)); // a touched key's table exists
      if (m != null) {
        m.submitToKey(e.getKey().substring(sep + 1), new StickEntryProcessors.Touch(e.getValue()));
        n++;
      }
    }
    return n;
  }
}
