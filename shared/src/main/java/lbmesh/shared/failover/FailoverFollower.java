package lbmesh.shared.failover;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import lbmesh.shared.cluster.ClusterBootstrap;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;

/**
 * A reader's copy of the failover leader's decisions: loads IMap {@code lb.failover} once, then follows
 * entry {@code epoch} (who leads), {@code leader.elected}, {@code gateway.role} and {@code dc.*} events,
 * dropping any decision older than the newest epoch seen ({@link EpochFence}). The getters may be called
 * from any thread.
 */
public final class FailoverFollower {
  private static final Logger LOG = Logger.getLogger(FailoverFollower.class.getName());

  /** The current leader as last announced: node id and epoch. */
  public record Leader(String nodeId, long epoch) {
    public JsonObject toJson() {
      return new JsonObject().put("nodeId", nodeId).put("epoch", epoch);
    }
  }

  private final Vertx vertx;
  private final EpochFence fence = new EpochFence();
  private final Map<String, RoleAssignment> roles = new ConcurrentHashMap<>();
  private final Map<String, DcPlan> plans = new ConcurrentHashMap<>();
  private volatile Leader leader;
  private volatile Runnable onChange = () -> { };

  public FailoverFollower(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Runs `r` after every accepted change of a role or a plan (on the thread that applied it). */
  public FailoverFollower onChange(Runnable r) {
    this.onChange = r;
    return this;
  }

  /**
   * Subscribes to the events and to entry {@code epoch} of the map, then loads the map; completes once
   * loaded. The entry listener learns of a new leader as soon as its epoch bump commits: the leader's
   * first publish on the event bus may first have to look up the subscribers of {@code lb.events} in
   * Vert.x's subscription map, which waits for partitions still recovering from the member that died
   * (0.8 s measured after a kill in a fresh mesh).
   */
  public Future<Void> start() {
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> onEvent(Event.fromJson(m.body())));
    HazelcastInstance hz = ClusterBootstrap.hazelcast(vertx);
    return vertx.executeBlocking(() -> {
      IMap<String, String> map = hz.getMap(Addresses.FAILOVER_MAP);
      map.addEntryListener(new EpochListener(), FailoverMap.EPOCH, true);
      return new HashMap<>(map);
    }, false)
        .onSuccess(this::load)
        .onFailure(e -> LOG.warning(() -> "lb.failover unreadable (" + e + "); following events only"))
        .<Void>mapEmpty()
        .otherwise((Void) null);
  }

  /** Applies stored entries that are not older than what the events already gave. */
  void load(Map<String, String> entries) {
    for (String key : new String[] {FailoverMap.LEADER, FailoverMap.EPOCH}) {
      Leader l = FailoverMap.leaderOf(entries.get(key));
      if (l != null) {
        onLeader(l.nodeId(), l.epoch());
      }
    }
    entries.forEach((k, v) -> {
      if (k.startsWith(FailoverMap.ROLE_PREFIX)) {
        RoleAssignment r = RoleAssignment.fromJson(new JsonObject(v));
        roles.merge(r.group(), r, (old, neu) -> neu.epoch() >= old.epoch() ? neu : old);
      } else if (k.startsWith(FailoverMap.PLAN_PREFIX)) {
        DcPlan p = DcPlan.fromJson(new JsonObject(v));
        plans.merge(p.pool(), p, (old, neu) -> neu.epoch() >= old.epoch() ? neu : old);
      }
    });
    onChange.run();
  }

  void onEvent(Event e) {
    EventType t = e.knownType();
    if (t == null || e.epoch() == null) {
      return;
    }
    switch (t) {
      case LEADER_ELECTED -> onLeader(e.data().getString("nodeId"), e.epoch());
      case GATEWAY_ROLE -> {
        if (fence.accept(e.epoch())) {
          RoleAssignment r = RoleAssignment.fromJson(e.data());
          roles.put(r.group(), r);
          onChange.run();
        }
      }
      case DC_FAILOVER, DC_FAILBACK -> {
        if (fence.accept(e.epoch())) {
          DcPlan p = DcPlan.fromJson(e.data().getJsonObject("plan"));
          plans.put(p.pool(), p);
          onChange.run();
        }
      }
      default -> {
      }
    }
  }

  private synchronized void onLeader(String nodeId, long epoch) {
    if (fence.accept(epoch) && (leader == null || epoch >= leader.epoch())) {
      Leader was = leader;
      leader = new Leader(nodeId, epoch);
      if (was == null || !was.equals(leader)) {
        LOG.info(() -> "failover leader " + nodeId + " with epoch " + epoch);
      }
    }
  }

  /** Entry {@code epoch}: written only by an epoch bump, and it names the instance that took the epoch. */
  private final class EpochListener implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      taken(e.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      taken(e.getValue());
    }

    private void taken(String value) {
      Leader l = FailoverMap.leaderOf(value);
      if (l != null) {
        onLeader(l.nodeId(), l.epoch());
      }
    }
  }

  /** The leader last announced, or null when none is known. */
  public Leader leader() {
    return leader;
  }

  /** The newest epoch seen (0: none). */
  public long epoch() {
    return fence.highest();
  }

  public Map<String, RoleAssignment> roles() {
    return Map.copyOf(roles);
  }

  public Map<String, DcPlan> plans() {
    return Map.copyOf(plans);
  }
}
