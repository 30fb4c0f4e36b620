package lbmesh.registry.store;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.model.RegistrySnapshot;

/**
 * Where the registry's state lives: one entry of the Hazelcast IMap {@code lb.registry} (with a
 * backup), written under that entry's cluster-wide lock so several registry instances can serve writes
 * at once without losing or duplicating any, plus this instance's durable {@link SnapshotFile}.
 *
 * <p>A write is: lock, read the current state, compute the change, write it to disk (fsync), put it
 * in the map, unlock. The disk comes first: a write that could not be made durable is refused and
 * the cluster never sees it.
 */
public final class RegistryStore {
  private static final Logger LOG = Logger.getLogger(RegistryStore.class.getName());
  static final String KEY = "state";

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final SnapshotFile file;
  private volatile RegistrySnapshot lastKnown = RegistrySnapshot.EMPTY;

  public RegistryStore(Vertx vertx, HazelcastInstance hz, SnapshotFile file) {
    this.vertx = vertx;
    this.map = hz.getMap(Addresses.REGISTRY_MAP);
    this.file = file;
  }

  /**
   * Reconciles the disk and the cluster at start: the newer of the two wins and is written to the
   * other. A cold restart of the whole mesh thus restores everything from disk.
   */
  public Future<RegistrySnapshot> open() {
    return vertx.executeBlocking(() -> {
      RegistrySnapshot disk = file.read();
      lock();
      try {
        RegistrySnapshot cluster = readMap();
        RegistrySnapshot winner;
        if (cluster == null && disk == null) {
          winner = RegistrySnapshot.EMPTY;
        } else if (cluster == null || (disk != null && disk.version() > cluster.version())) {
          winner = disk;
          map.set(KEY, disk.toJson().encode());
        } else {
          winner = cluster;
        }
        if (disk == null || disk.version() != winner.version()) {
          file.write(winner);
        }
        lastKnown = winner;
        LOG.info(() -> "registry state at version " + winner.version() + ": " + winner.pools().size()
            + " pools, " + winner.serverCount() + " servers, " + winner.routes().size() + " routes (data in "
            + file.path() + ")");
        return winner;
      } finally {
        map.unlock(KEY);
      }
    });
  }

  /** The current cluster-wide state (a map read; blocking work runs off the event loop). */
  public Future<RegistrySnapshot> current() {
    return vertx.executeBlocking(() -> {
      RegistrySnapshot s = readMap();
      if (s != null) {
        lastKnown = s;
      }
      return s == null ? lastKnown : s;
    }, false);
  }

  /**
   * Applies `change` atomically across the cluster. `change` sees the current state and either returns
   * the {@link Change} or throws {@link RegistryException} (state untouched).
   */
  public Future<Change> update(java.util.function.Function<RegistrySnapshot, Change> change) {
    return vertx.executeBlocking(() -> {
      lock();
      try {
        RegistrySnapshot now = readMap();
        if (now == null) {
          now = lastKnown;
        }
        Change c = change.apply(now);
        file.write(c.next());
        map.set(KEY, c.next().toJson().encode());
        lastKnown = c.next();
        return c;
      } finally {
        map.unlock(KEY);
      }
    }, true);
  }

  /** Brings this instance's disk copy up to a state another instance wrote. */
  public Future<Void> syncDisk() {
    return vertx.executeBlocking(() -> {
      RegistrySnapshot s = readMap();
      if (s != null && s.version() > lastKnown.version()) {
        file.write(s);
        lastKnown = s;
      }
      return null;
    }, true);
  }

  public RegistrySnapshot lastKnown() {
    return lastKnown;
  }

  private RegistrySnapshot readMap() {
    String s = map.get(KEY);
    return s == null ? null : RegistrySnapshot.fromJson(new JsonObject(s));
  }

  private void lock() {
    try {
      // the lease frees the lock if this member hangs while holding it; Hazelcast frees it at once if
      // the member dies
      if (!map.tryLock(KEY, 10, TimeUnit.SECONDS, 30, TimeUnit.SECONDS)) {
        throw new RegistryException(lbmesh.shared.http.Problem.of(503, "Service Unavailable",
            "the registry is busy (write lock not acquired in 10 s); retry"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

}
