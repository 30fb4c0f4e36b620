package lbmesh.health;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.logging.Logger;
import lbmesh.health.check.HealthProbe;
import lbmesh.health.check.ProbeResult;
import lbmesh.health.cluster.CheckOwnership;
import lbmesh.health.state.ServerHealth;
import lbmesh.health.state.Transition;
import lbmesh.shared.cluster.ClusterBootstrap;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.cluster.MemberInfo;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.launch.AdminServer;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.RegistrySnapshot;
import lbmesh.shared.model.Server;
import lbmesh.shared.registry.RegistryFollower;

/**
 * The health service: follows the registry, checks the servers this instance owns (rendezvous hashing
 * over the live health-service members), writes verdicts to IMap {@code lb.health} and publishes
 * {@code health.up} / {@code health.down} / {@code load.changed} once per change.
 */
public final class HealthVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(HealthVerticle.class.getName());
  public static final String SERVICE = "health-service";

  /** One checked server: its state machine and its pending timer. */
  private final class Checked {
    final String pool;
    Server server;
    Pool.HealthCheck cfg;
    final ServerHealth health;
    long timer = -1;
    boolean stopped;
    boolean recovered;

    Checked(String pool, Server server, Pool.HealthCheck cfg, ServerHealth health) {
      this.pool = pool;
      this.server = server;
      this.cfg = cfg;
      this.health = health;
    }

    String key() {
      return HealthRecord.key(pool, server.id());
    }
  }

  private final ClusterSettings settings;
  private final int adminPort;
  private final String adminHost;
  private final Map<String, Checked> checked = new HashMap<>();
  private final SplittableRandom random = new SplittableRandom();
  private HazelcastInstance hz;
  private IMap<String, String> map;
  private RegistrySnapshot snapshot;
  private CheckOwnership ownership;
  private final Map<String, HealthProbe> probesByType = new HashMap<>();
  /** The last verdict of every server, whoever checked it, as followed on lb.events (for takeovers). */
  private final Map<String, HealthRecord> verdicts = new HashMap<>();
  private long probes;

  public HealthVerticle(ClusterSettings settings, String adminHost, int adminPort) {
    this.settings = settings;
    this.adminHost = adminHost;
    this.adminPort = adminPort;
  }

  @Override
  public Future<?> start() {
    hz = ClusterBootstrap.hazelcast(vertx);
    return ClusterBootstrap.openMaps(vertx, Addresses.HEALTH_MAP).compose(v -> begin());
  }

  private Future<?> begin() {
    map = hz.getMap(Addresses.HEALTH_MAP);
    for (String type : java.util.List.of("http", "tcp", "agent")) {
      probesByType.put(type, HealthProbe.create(vertx, type));
    }
    refreshOwnership();
    ClusterBootstrap.onMembershipChange(hz, vertx.getOrCreateContext(), this::refreshOwnership);
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> follow(m.body()));
    RegistryFollower follower = new RegistryFollower(vertx, s -> {
      snapshot = s;
      reconcile();
    });
    follower.start();
    return AdminServer.start(vertx, adminHost, adminPort, this::status, admin ->
        admin.readiness().register("registry", p -> p.complete(snapshot != null ? Status.OK() : Status.KO())));
  }

  /** Keeps the verdicts published by every instance (this one included). */
  private void follow(JsonObject event) {
    HealthRecord h = HealthRecord.verdictOf(event.getString("type"), event.getJsonObject("data"));
    if (h == null) {
      return;
    }
    if (HealthRecord.UNKNOWN.equals(h.status())) {
      verdicts.remove(h.key());
    } else {
      verdicts.put(h.key(), h);
    }
  }

  private void refreshOwnership() {
    var ids = hz.getCluster().getMembers().stream().map(MemberInfo::of)
        .filter(m -> SERVICE.equals(m.service())).map(MemberInfo::nodeId).sorted().toList();
    ownership = new CheckOwnership(ids);
    LOG.info(() -> "health-service instances: " + ids);
    reconcile();
  }

  /** Starts checks for servers this instance now owns, stops those it no longer owns or that are gone. */
  private void reconcile() {
    if (snapshot == null || ownership == null) {
      return;
    }
    Map<String, Boolean> wanted = new HashMap<>();
    java.util.Set<String> registered = new java.util.HashSet<>();
    for (RegistrySnapshot.PoolEntry e : snapshot.pools().values()) {
      Pool.HealthCheck cfg = e.pool().healthCheck();
      for (Server s : e.servers().values()) {
        String key = HealthRecord.key(e.pool().name(), s.id());
        registered.add(key);
        boolean mine = settings.nodeId().equals(ownership.owner(key));
        if (!mine) {
          continue;
        }
        if ("none".equals(cfg.type())) {
          retireIfChecked(key);
          continue;
        }
        wanted.put(key, true);
        Checked c = checked.get(key);
        if (c == null) {
          adopt(e.pool().name(), s, cfg);
        } else {
          c.server = s;
          c.cfg = cfg;
          c.health.configure(cfg);
        }
      }
    }
    verdicts.keySet().retainAll(registered);
    checked.values().removeIf(c -> {
      if (wanted.containsKey(c.key())) {
        return false;
      }
      c.stopped = true;
      if (c.timer >= 0) {
        vertx.cancelTimer(c.timer);
      }
      boolean gone = snapshot.pool(c.pool) == null || snapshot.pool(c.pool).servers().get(c.server.id()) == null;
      if (gone) {
        map.removeAsync(c.key());
      }
      return true;
    });
  }

  /** Checks were switched off for a server: its verdict no longer holds, so it goes back to unknown. */
  private void retireIfChecked(String key) {
    Checked c = checked.remove(key);
    if (c == null) {
      return;
    }
    c.stopped = true;
    if (c.timer >= 0) {
      vertx.cancelTimer(c.timer);
    }
    HealthRecord rec = new HealthRecord(c.pool, c.server.id(), HealthRecord.UNKNOWN, "health check disabled", 0,
        null, null, settings.nodeId());
    map.removeAsync(key);
    vertx.eventBus().publish(Addresses.EVENTS,
        Event.of(EventType.HEALTH_UP, settings.nodeId(), settings.dc(), rec.toJson()).toJson());
  }

  /**
   * Takes over a server: continues from its last verdict (another instance may have owned it), from the
   * verdicts this instance has followed, else from lb.health. A server whose last checker has left the
   * cluster is overdue: its first check comes at once, without waiting for a remote read (which stalls
   * while the dead member's partitions are promoted, 0.3 s measured).
   */
  private void adopt(String pool, Server s, Pool.HealthCheck cfg) {
    String key = HealthRecord.key(pool, s.id());
    HealthRecord known = verdicts.get(key);
    if (known != null) {
      take(pool, s, cfg, known);
      return;
    }
    Future.fromCompletionStage(map.getAsync(key), vertx.getOrCreateContext()).onComplete(ar -> take(pool, s, cfg,
        ar.succeeded() && ar.result() != null ? HealthRecord.fromJson(new JsonObject(ar.result())) : null));
  }

  private void take(String pool, Server s, Pool.HealthCheck cfg, HealthRecord prev) {
    String key = HealthRecord.key(pool, s.id());
    if (checked.containsKey(key) || snapshot == null) {
      return;
    }
    ServerHealth h = prev == null ? new ServerHealth(cfg, System.currentTimeMillis()) : ServerHealth.resume(cfg, prev);
    Checked c = new Checked(pool, s, cfg, h);
    // a slow start under way goes on ramping through the next agent-only change
    c.recovered = prev != null && HealthRecord.UP.equals(prev.status()) && prev.since() > 0;
    checked.put(key, c);
    if (prev != null && !settings.nodeId().equals(prev.checkedBy())) {
      // the same verdict under its new owner: lb.health names who checks it (no event, health is unchanged)
      map.setAsync(key, h.record(pool, s.id(), prev.since(), settings.nodeId()).toJson().encode());
    }
    boolean orphaned = prev != null && prev.checkedBy() != null && !ownership.instances().contains(prev.checkedBy());
    // a first check soon, spread over a fraction of the interval so adoptions do not fire together; sooner
    // for an orphan, already unchecked since its owner died
    long spread = Math.max(2, cfg.intervalMs() / (orphaned ? 20 : 4));
    schedule(c, random.nextLong(1, spread));
  }

  private void schedule(Checked c, long delayMs) {
    c.timer = vertx.setTimer(Math.max(1, delayMs), id -> {
      c.timer = -1;
      if (!c.stopped) {
        runCheck(c);
      }
    });
  }

  private void runCheck(Checked c) {
    HealthProbe probe = probesByType.get(c.cfg.type());
    probes++;
    probe.probe(c.server, c.cfg).onComplete(ar -> {
      if (c.stopped) {
        return;
      }
      ProbeResult r = ar.succeeded() ? ar.result() : ProbeResult.failed(String.valueOf(ar.cause()), 0);
      Transition t = c.health.onResult(r, System.currentTimeMillis());
      if (t.healthChanged()) {
        c.recovered = t.recovery();
      }
      if (t.healthChanged() || t.agentChanged()) {
        publish(c, t);
      }
      schedule(c, c.health.nextDelayMs(random));
    });
  }

  private void publish(Checked c, Transition t) {
    // `since` starts a slow-start ramp in the gateways: only a recovery ramps, not the first verdict
    // after a cold start (as HAProxy: no slow start at boot)
    long since = c.health.status() == ServerHealth.Status.UP && !t.recovery() && !wasRecovered(c) ? 0
        : c.health.since();
    HealthRecord rec = c.health.record(c.pool, c.server.id(), since, settings.nodeId());
    EventType type = !t.healthChanged() ? EventType.LOAD_CHANGED
        : t.kind() == Transition.Kind.UP ? EventType.HEALTH_UP : EventType.HEALTH_DOWN;
    map.setAsync(rec.key(), rec.toJson().encode());
    vertx.eventBus().publish(Addresses.EVENTS, Event.of(type, settings.nodeId(), settings.dc(), rec.toJson()).toJson());
    LOG.info(() -> type.wire() + " " + rec.key() + " (" + rec.reason() + ")");
  }

  /** An agent-only change keeps the ramp of a recovery that is still under way. */
  private boolean wasRecovered(Checked c) {
    return c.recovered;
  }

  private JsonObject status() {
    JsonArray servers = new JsonArray();
    checked.values().forEach(c -> servers.add(new JsonObject().put("key", c.key()).put("type", c.cfg.type())
        .put("status", c.health.status().wire()).put("reason", c.health.reason())
        .put("successes", c.health.consecutiveSuccesses()).put("failures", c.health.consecutiveFailures())));
    return AdminServer.baseStatus(vertx, settings).put("instances", new JsonArray(ownership == null
        ? java.util.List.of() : ownership.instances())).put("probes", probes).put("checked", servers);
  }
}
