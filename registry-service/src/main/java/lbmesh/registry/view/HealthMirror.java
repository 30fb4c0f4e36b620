package lbmesh.registry.view;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.health.HealthRecord;

/**
 * The cluster view's local copy of IMap {@code lb.health}, kept by an entry listener. The view used to
 * read the whole map on every request, and such a read waits for every partition: after a member died
 * (the failover leader, say), each {@code GET /api/v1/cluster} hung until its partitions were recovered
 * (0.6-0.85 s measured), which also hid the new leader the view already knew of.
 */
public final class HealthMirror {
  private static final Logger LOG = Logger.getLogger(HealthMirror.class.getName());

  private final Map<String, HealthRecord> byKey = new ConcurrentHashMap<>();
  /** Keys the listener has set or removed: the initial load, maybe older, must not overwrite them. */
  private final Set<String> touched = ConcurrentHashMap.newKeySet();

  /** Subscribes, then loads the map once in the background. */
  public Future<Void> start(Vertx vertx, HazelcastInstance hz) {
    // the proxy and the listener are registered on every member, and waited for: off the event loop
    return vertx.executeBlocking(() -> {
      IMap<String, String> map = hz.getMap(Addresses.HEALTH_MAP);
      map.addEntryListener(new Listener(), true);
      return new HashMap<>(map);
    }, false)
        .onSuccess(all -> all.forEach((k, v) -> {
          if (!touched.contains(k)) {
            byKey.putIfAbsent(k, HealthRecord.fromJson(new JsonObject(v)));
          }
        }))
        .onFailure(e -> LOG.warning(() -> "lb.health unreadable (" + e + "); following changes only"))
        .<Void>mapEmpty()
        .otherwise((Void) null);
  }

  /** The verdict stored under `key` ({@link HealthRecord#key(String, String)}), or null. */
  public HealthRecord get(String key) {
    return byKey.get(key);
  }

  private final class Listener implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
      EntryRemovedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      set(e);
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      set(e);
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> e) {
      touched.add(e.getKey());
      byKey.remove(e.getKey());
    }

    private void set(EntryEvent<String, String> e) {
      touched.add(e.getKey());
      if (e.getValue() != null) {
        byKey.put(e.getKey(), HealthRecord.fromJson(new JsonObject(e.getValue())));
      }
    }
  }
}
