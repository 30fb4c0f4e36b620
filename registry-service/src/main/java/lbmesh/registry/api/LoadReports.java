package lbmesh.registry.api;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;

/** Agent load reports pushed through the API: stored in IMap {@code lb.load}, announced as load.changed. */
public final class LoadReports {
  private final Vertx vertx;
  private final IMap<String, String> map;
  private final String node;
  private final String dc;

  public LoadReports(Vertx vertx, HazelcastInstance hz, String node, String dc) {
    this.vertx = vertx;
    this.map = hz.getMap(Addresses.LOAD_MAP);
    this.node = node;
    this.dc = dc;
  }

  /** The key of a server's report: `pool/id`. */
  public static String key(String pool, String id) {
    return pool + "/" + id;
  }

  public Future<JsonObject> put(String pool, String id, JsonObject report) {
    JsonObject stored = report.copy().put("pool", pool).put("id", id).put("source", "push")
        .put("ts", System.currentTimeMillis());
    return Future.fromCompletionStage(map.setAsync(key(pool, id), stored.encode()), vertx.getOrCreateContext())
        .map(v -> {
          vertx.eventBus().publish(Addresses.EVENTS, Event.of(EventType.LOAD_CHANGED, node, dc, stored).toJson());
          return stored;
        });
  }

  public Future<JsonObject> get(String pool, String id) {
    return Future.fromCompletionStage(map.getAsync(key(pool, id)), vertx.getOrCreateContext())
        .map(s -> s == null ? null : new JsonObject(s));
  }
}
