package lbmesh.failover;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.logging.Logger;
import lbmesh.failover.plan.FailbackTimer;
import lbmesh.failover.roles.RoleAssigner;
import lbmesh.shared.cluster.ClusterBootstrap;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.cluster.MemberInfo;
import lbmesh.shared.cluster.MemberRole;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.failover.DcPlan;
import lbmesh.shared.failover.DcPlanner;
import lbmesh.shared.failover.FailoverFollower;
import lbmesh.shared.failover.FailoverMap;
import lbmesh.shared.failover.GatewayMember;
import lbmesh.shared.failover.RoleAssignment;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.launch.AdminServer;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.RegistrySnapshot;
import lbmesh.shared.model.Server;
import lbmesh.shared.registry.RegistryFollower;

/**
 * The failover service. Every instance watches the member list; the oldest failover-service member
 * leads: it bumps the fencing epoch in {@code lb.failover}, announces {@code leader.elected}, assigns
 * gateway roles and computes each pool's DC plan. Every decision is a fenced write (refused if a newer
 * epoch wrote the entry) followed by an event carrying the epoch; a refused write or a lost quorum makes
 * the leader step down. A witness (LB_ROLE=witness) is a member like the others for the quorum, but no
 * instance counts it as a candidate and it decides nothing. README, "failover-service", explains the
 * design and its failure cases.
 */
public final class FailoverVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(FailoverVerticle.class.getName());
  /** Retries after a failed election and re-checks failback delays. */
  static final long TICK_MS = 250;

  private final ClusterSettings settings;
  private final String adminHost;
  private final int adminPort;
  private HazelcastInstance hz;
  private IMap<String, String> map;

  private boolean leader;
  private boolean electing;
  /** After losing to a newer epoch: do not bump again until the member list changes. */
  private boolean yielded;
  /** When the member list last changed (nanoTime), for the election's log line. */
  private long membersChangedAt;
  private long epoch;
  /** The decisions as any reader sees them (epoch-fenced): a follower's view, and the keys to reload. */
  private FailoverFollower follower;
  private long leaderSince;
  private String lastQuorumWarning;

  private boolean deciding;
  private boolean decideAgain;
  private final Map<String, RoleAssignment> roles = new LinkedHashMap<>();
  private final Map<String, DcPlan> plans = new LinkedHashMap<>();
  private final Map<String, FailbackTimer> failback = new HashMap<>();
  private final Map<String, HealthRecord> health = new HashMap<>();
  private RegistrySnapshot registry;
  private long decisions;
  private HttpServer adminServer;

  public FailoverVerticle(ClusterSettings settings, String adminHost, int adminPort) {
    this.settings = settings;
    this.adminHost = adminHost;
    this.adminPort = adminPort;
  }

  @Override
  public Future<?> start() {
    hz = ClusterBootstrap.hazelcast(vertx);
    // the proxies are created cluster-wide, a remote call: on a worker, before anything uses them
    return ClusterBootstrap.openMaps(vertx, Addresses.FAILOVER_MAP, Addresses.HEALTH_MAP).compose(v -> begin());
  }

  private Future<?> begin() {
    map = hz.getMap(Addresses.FAILOVER_MAP);
    ClusterBootstrap.onMembershipChange(hz, vertx.getOrCreateContext(), this::membersChanged);
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> onEvent(Event.fromJson(m.body())));
    follower = new FailoverFollower(vertx);
    if (witness()) {
      LOG.info("witness: counts towards the quorum (LB_QUORUM " + settings.quorum() + "), never leads");
      if (MemberRole.of(hz.getCluster().getLocalMember()) != MemberRole.WITNESS) {
        LOG.warning("this witness joined without the member attribute " + MemberInfo.ATTR_ROLE + "=witness: the other"
            + " instances take it for a candidate, and none leads while it is the oldest failover-service member");
      }
    } else {
      // what decisions are made of: a witness makes none
      new RegistryFollower(vertx, s -> {
        registry = s;
        decide();
      }).start();
    }
    vertx.setPeriodic(TICK_MS, id -> {
      evaluate();
      if (leader && failback.values().stream().anyMatch(FailbackTimer::waiting)) {
        decide();
      }
    });
    Future<?> healthLoaded = witness() ? Future.succeededFuture()
        : vertx.executeBlocking(() -> new HashMap<>(hz.<String, String>getMap(Addresses.HEALTH_MAP)), false)
            .onSuccess(all -> all.values().forEach(v -> {
              HealthRecord h = HealthRecord.fromJson(new JsonObject(v));
              health.putIfAbsent(h.key(), h);
            }));
    return Future.join(healthLoaded, follower.start()).recover(e -> Future.succeededFuture()).compose(v -> {
      evaluate();
      return AdminServer.start(vertx, adminHost, adminPort, this::status, admin -> {
        admin.readiness().register("quorum",
            p -> p.complete(quorumPresent() ? Status.OK(quorumJson()) : Status.KO(quorumJson())));
        admin.readiness().register("role", p -> p.complete(Status.OK(new JsonObject().put("role", role()))));
      });
    }).onSuccess(server -> adminServer = server);
  }

  // ---- election ---------------------------------------------------------------------------------

  private void membersChanged() {
    membersChangedAt = System.nanoTime();
    LOG.info(() -> "member list changed: " + hz.getCluster().getMembers().size() + " members");
    yielded = false;
    evaluate();
    decide();
  }

  /**
   * The oldest failover-service member of the member list that may lead: witnesses are skipped. The list
   * and the attributes are the same on every member, so every instance names the same one.
   */
  private Member oldestFailoverMember() {
    for (Member m : hz.getCluster().getMembers()) {
      if (FailoverMap.SERVICE.equals(m.getAttribute(MemberInfo.ATTR_SERVICE))
          && MemberRole.of(m) != MemberRole.WITNESS) {
        return m;
      }
    }
    return null;
  }

  private boolean witness() {
    return settings.role() == MemberRole.WITNESS;
  }

  /** What this instance is now: leader, follower or witness. */
  private String role() {
    return witness() ? MemberRole.WITNESS.wire() : leader ? "leader" : "follower";
  }

  /** Whether this instance is the oldest failover-service member, the one that should lead. */
  private boolean isCandidate() {
    if (witness()) {
      return false;
    }
    Member oldest = oldestFailoverMember();
    // the local member is read each time: a member that merges back after a split gets a new UUID
    return oldest != null && oldest.getUuid().equals(hz.getCluster().getLocalMember().getUuid());
  }

  /** Becomes leader when this instance is the oldest and has a quorum; steps down when it no longer is. */
  void evaluate() {
    if (!hz.getLifecycleService().isRunning()) {
      return;
    }
    if (!isCandidate()) {
      if (leader) {
        stepDown("an older failover-service member is present: " + MemberInfo.of(oldestFailoverMember()).nodeId());
      }
      return;
    }
    if (!quorumPresent()) {
      if (leader) {
        stepDown("no quorum: " + quorumJson().encode());
      }
      warnNoQuorum();
      return;
    }
    if (leader || electing || yielded) {
      return;
    }
    elect();
  }

  /**
   * Takes the next epoch and announces it at once; then claims the {@code leader} entry and reads the
   * decisions in force, and only then leads (decides). The announcement does not wait for those reads:
   * each is an operation on a partition of its own, and one still recovering from the member that just
   * died held the announcement back by up to seconds. It needs only the bump: from then on the epoch is
   * ours, readers drop the old leader's decisions, and a newer leader's announcement supersedes ours.
   */
  private void elect() {
    electing = true;
    long started = System.nanoTime();
    // the floor keeps the epoch growing even if the entry was lost (its owner and backups died together)
    long floor = Math.max(epoch, follower.epoch());
    long[] bumped = new long[1];
    long now = System.currentTimeMillis();
    Future.fromCompletionStage(map.submitToKey(FailoverMap.EPOCH,
            new FailoverMap.BumpEpoch(floor, settings.nodeId(), now)), context)
        .compose(n -> {
          bumped[0] = System.nanoTime();
          // the member list may have changed during the bump: announce only if this instance may still lead
          if (isCandidate() && quorumPresent()) {
            publish(EventType.LEADER_ELECTED, new JsonObject().put("nodeId", settings.nodeId()).put("epoch", n), n);
          }
          String value = FailoverMap.leaderJson(settings.nodeId(), n, now).encode();
          // the leader entry and the decisions in force, in parallel, each key on its own: a multi-key
          // call waits for its slowest member as a whole, and is resent whole when one target has died
          Future<Long> claimed = Future.fromCompletionStage(
              map.submitToKey(FailoverMap.LEADER, new FailoverMap.FencedPut(value, n)), context);
          Future<Map<String, String>> inForce = readEach(decisionKeys());
          return Future.all(claimed, inForce).map(x -> {
            loadDecisions(inForce.result());
            return new long[] {n, claimed.result(), now};
          });
        })
        .onComplete(ar -> {
          electing = false;
          if (ar.failed()) {
            electionFailed(ar.cause());
            return;
          }
          long n = ar.result()[0];
          if (ar.result()[1] > n) {
            yielded = true;
            LOG.warning(() -> "not leading: epoch " + ar.result()[1] + " is newer than ours (" + n + ")");
            return;
          }
          if (!isCandidate()) {
            // the member list changed meanwhile (an older member merged back): the oldest one leads
            evaluate();
            return;
          }
          leader = true;
          epoch = n;
          leaderSince = ar.result()[2];
          lastQuorumWarning = null;
          long end = System.nanoTime();
          long ms = (end - started) / 1_000_000;
          long bumpMs = (bumped[0] - started) / 1_000_000;
          long sinceChange = membersChangedAt == 0 ? -1 : (end - membersChangedAt) / 1_000_000;
          LOG.info(() -> "became leader with epoch " + n + " (" + settings.nodeId() + ", election took " + ms
              + " ms: epoch bump and announcement " + bumpMs + " ms, leader entry and decisions read "
              + (ms - bumpMs) + " ms; " + sinceChange + " ms after the member list changed)");
          // the decisions loaded carry older epochs: the first round restates them all with this one
          evaluate();
          decide();
        });
  }

  /** Reads `keys`, each with a call of its own, so one slow partition delays only its own key. */
  private Future<Map<String, String>> readEach(Set<String> keys) {
    List<String> order = new ArrayList<>(keys);
    List<Future<String>> reads = new ArrayList<>();
    for (String k : order) {
      reads.add(Future.fromCompletionStage(map.submitToKey(k, new FailoverMap.Read()), context));
    }
    return Future.all(reads).map(x -> {
      Map<String, String> all = new HashMap<>();
      for (int i = 0; i < order.size(); i++) {
        all.put(order.get(i), reads.get(i).result());
      }
      return all;
    });
  }

  /**
   * The keys of the decisions that may be in force: groups and pools known from the member list, the
   * registry and the events followed. Read key by key: a read of the whole map would wait for every
   * partition, including those still being recovered from the member that just died.
   */
  private Set<String> decisionKeys() {
    Set<String> keys = new TreeSet<>();
    liveGateways().keySet().forEach(g -> keys.add(FailoverMap.roleKey(g)));
    follower.roles().keySet().forEach(g -> keys.add(FailoverMap.roleKey(g)));
    follower.plans().keySet().forEach(p -> keys.add(FailoverMap.planKey(p)));
    if (registry != null) {
      registry.pools().keySet().forEach(p -> keys.add(FailoverMap.planKey(p)));
    }
    return keys;
  }

  /** The decisions in force when this instance takes over: kept (the active gateway stays active). */
  private void loadDecisions(Map<String, String> all) {
    roles.clear();
    plans.clear();
    failback.clear();
    all.forEach((k, v) -> {
      if (v == null) {
        return;
      }
      if (k.startsWith(FailoverMap.ROLE_PREFIX)) {
        RoleAssignment r = RoleAssignment.fromJson(new JsonObject(v));
        roles.put(r.group(), r);
      } else if (k.startsWith(FailoverMap.PLAN_PREFIX)) {
        DcPlan p = DcPlan.fromJson(new JsonObject(v));
        plans.put(p.pool(), p);
      }
    });
  }

  private void electionFailed(Throwable cause) {
    if (isQuorumFailure(cause)) {
      warnNoQuorum();
    } else {
      LOG.warning(() -> "election failed (" + cause + "); retrying");
    }
  }

  private void stepDown(String why) {
    if (!leader) {
      return;
    }
    leader = false;
    LOG.warning(() -> "stepped down from epoch " + epoch + ": " + why);
  }

  /**
   * Whether this side of the cluster has LB_QUORUM members. The member list is read directly as well as
   * through Hazelcast's split-brain protection: the latter learns of a departure through a membership
   * listener of its own, which may run after ours, and a decision must not slip through in between.
   */
  private boolean quorumPresent() {
    if (settings.quorum() <= 1) {
      return true;
    }
    if (!hz.getLifecycleService().isRunning() || hz.getCluster().getMembers().size() < settings.quorum()) {
      return false;
    }
    try {
      return hz.getSplitBrainProtectionService().getSplitBrainProtection(FailoverMap.QUORUM).hasMinimumSize();
    } catch (RuntimeException e) {
      return false;
    }
  }

  private JsonObject quorumJson() {
    return new JsonObject().put("required", settings.quorum())
        .put("members", hz.getLifecycleService().isRunning() ? hz.getCluster().getMembers().size() : 0);
  }

  private void warnNoQuorum() {
    String w = quorumJson().encode();
    if (!w.equals(lastQuorumWarning)) {
      lastQuorumWarning = w;
      LOG.warning(() -> "no quorum, making no decisions: " + w + " (LB_QUORUM)");
    }
  }

  private static boolean isQuorumFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SplitBrainProtectionException) {
        return true;
      }
    }
    return false;
  }

  // ---- inputs -----------------------------------------------------------------------------------

  private void onEvent(Event e) {
    EventType t = e.knownType();
    // a load report pushed through the registry is no verdict: before, its missing status read as
    // "unknown" (counted as capacity) and could hide a server that was down
    HealthRecord h = HealthRecord.verdictOf(e.type(), e.data());
    if (h != null) {
      health.put(h.key(), h);
      decide();
    } else if (t == EventType.LEADER_ELECTED && e.epoch() != null) {
      if (leader && e.epoch() > epoch && !settings.nodeId().equals(e.data().getString("nodeId"))) {
        stepDown("node " + e.data().getString("nodeId") + " leads with epoch " + e.epoch());
        yielded = true;
      }
    }
  }

  /** Live gateways by group, each list in member order (oldest first). */
  private Map<String, List<GatewayMember>> liveGateways() {
    Map<String, List<GatewayMember>> byGroup = new LinkedHashMap<>();
    for (Member m : hz.getCluster().getMembers()) {
      GatewayMember g = GatewayMember.of(m);
      if (g != null) {
        byGroup.computeIfAbsent(g.group(), k -> new ArrayList<>()).add(g);
      }
    }
    return byGroup;
  }

  // ---- decisions --------------------------------------------------------------------------------

  /** Recomputes roles and plans and writes the ones that changed; one round at a time. */
  void decide() {
    if (!leader || !hz.getLifecycleService().isRunning()) {
      return;
    }
    if (!quorumPresent()) {
      stepDown("no quorum: " + quorumJson().encode());
      warnNoQuorum();
      return;
    }
    if (deciding) {
      decideAgain = true;
      return;
    }
    deciding = true;
    decideAgain = false;
    List<Supplier<Future<?>>> writes = new ArrayList<>();
    Map<String, List<GatewayMember>> live = liveGateways();
    Set<String> groups = new TreeSet<>(live.keySet());
    groups.addAll(roles.keySet());
    for (String group : groups) {
      RoleAssignment previous = roles.get(group);
      RoleAssignment next = RoleAssigner.assign(group, live.getOrDefault(group, List.of()), previous)
          .withEpoch(epoch);
      if (previous == null || previous.epoch() != epoch || !next.sameDecision(previous)) {
        writes.add(() -> write(FailoverMap.roleKey(group), next.toJson(), () -> {
          roles.put(group, next);
          if (previous == null || !next.sameDecision(previous)) {
            LOG.info(() -> "gateway group " + group + " (" + next.mode().wire() + "): active " + next.active());
          }
          publish(EventType.GATEWAY_ROLE, next.toJson());
        }));
      }
    }
    if (registry != null) {
      Set<String> gatewayDcs = new TreeSet<>();
      live.values().forEach(l -> l.forEach(g -> gatewayDcs.add(g.dc())));
      long now = System.currentTimeMillis();
      for (RegistrySnapshot.PoolEntry e : registry.pools().values()) {
        Supplier<Future<?>> w = decidePlan(e, gatewayDcs, now);
        if (w != null) {
          writes.add(w);
        }
      }
      // a pool removed from the registry: its plan goes too (gateways learn of it from pool.removed)
      for (String gone : plans.keySet()) {
        if (registry.pool(gone) == null) {
          writes.add(() -> write(FailoverMap.planKey(gone), null, () -> {
            plans.remove(gone);
            failback.remove(gone);
          }));
        }
      }
    }
    Future<?> round = writes.isEmpty() ? Future.succeededFuture()
        : epochStillOurs().compose(ours -> ours ? Future.join(writes.stream().map(Supplier::get).toList())
            : Future.succeededFuture());
    round.onComplete(ar -> {
      deciding = false;
      if (decideAgain) {
        decide();
      }
    });
  }

  /**
   * Reads the stored epoch before a round of decisions: a newer one means another instance leads, and
   * this one steps down before writing anything (the per-entry fence catches a race past this check).
   */
  private Future<Boolean> epochStillOurs() {
    long mine = epoch;
    return Future.fromCompletionStage(map.submitToKey(FailoverMap.EPOCH, new FailoverMap.Read()), context)
        .map(stored -> {
          long current = FailoverMap.epochOf(stored);
          if (current > mine) {
            stepDown("the stored epoch " + current + " is newer than ours (" + mine + ")");
            yielded = true;
          }
          return leader && epoch == mine;
        })
        .recover(err -> {
          LOG.warning(() -> "epoch unreadable (" + err + "); deciding later");
          vertx.setTimer(TICK_MS, id -> decide());
          return Future.succeededFuture(false);
        });
  }

  /** The write of a pool's plan if it changed (or carries an older epoch), else null. */
  private Supplier<Future<?>> decidePlan(RegistrySnapshot.PoolEntry e, Set<String> gatewayDcs, long now) {
    Pool pool = e.pool();
    DcPlan previous = plans.get(pool.name());
    List<DcPlanner.Capacity> servers = new ArrayList<>();
    for (Server s : e.servers().values()) {
      servers.add(DcPlanner.Capacity.of(s, health.get(HealthRecord.key(pool.name(), s.id()))));
    }
    Pool.Locality loc = pool.locality();
    boolean primaryUsable = false;
    if (DcPlanner.ACTIVE_STANDBY.equals(loc.mode())) {
      FailbackTimer timer = failback.computeIfAbsent(pool.name(),
          k -> new FailbackTimer(previous == null || loc.primaryDc().equals(previous.activeDc())));
      primaryUsable = timer.update(DcPlanner.hasHealthyCapacity(servers, loc.primaryDc()), now,
          loc.failbackDelaySeconds() * 1000L);
    } else {
      failback.remove(pool.name());
    }
    DcPlan next = DcPlanner.plan(pool.name(), loc, servers, gatewayDcs, primaryUsable).withEpoch(epoch);
    boolean changed = !next.sameDecision(previous) && !(previous == null && next.shares() == null);
    if (!changed && previous != null && previous.epoch() == epoch) {
      return null;
    }
    return () -> write(FailoverMap.planKey(pool.name()), next.toJson(), () -> {
      plans.put(pool.name(), next);
      if (changed) {
        EventType type = movesAway(previous, next, loc) ? EventType.DC_FAILOVER : EventType.DC_FAILBACK;
        String reason = reason(previous, next);
        LOG.info(() -> type.wire() + " " + pool.name() + ": " + reason);
        publish(type, new JsonObject().put("pool", pool.name()).put("plan", next.toJson()).put("reason", reason));
      }
    });
  }

  /** True when some source DC sends less to its own DC (or the primary) than before. */
  static boolean movesAway(DcPlan previous, DcPlan next, Pool.Locality loc) {
    if (next.shares() == null) {
      return false;
    }
    for (var src : next.shares().entrySet()) {
      String home = DcPlanner.ACTIVE_STANDBY.equals(loc.mode()) ? loc.primaryDc() : src.getKey();
      double now = src.getValue().getOrDefault(home, 0.0);
      Map<String, Double> before = previous == null ? null : previous.sharesFrom(src.getKey());
      double was = before == null ? 1.0 : before.getOrDefault(home, 0.0);
      if (now < was) {
        return true;
      }
    }
    return false;
  }

  private static String reason(DcPlan previous, DcPlan next) {
    if (previous == null) {
      return "first plan for the pool";
    }
    if (!previous.mode().equals(next.mode())) {
      return "locality changed from " + previous.mode() + " to " + next.mode();
    }
    if (DcPlanner.ACTIVE_STANDBY.equals(next.mode()) && !java.util.Objects.equals(previous.activeDc(), next.activeDc())) {
      return "active DC " + previous.activeDc() + " -> " + next.activeDc();
    }
    return "healthy capacity changed";
  }

  /**
   * A fenced write of `key` (a null `value` removes it); runs `then` only if it was accepted with this
   * leader's epoch. A newer epoch on the entry, or a refused write for lack of quorum, ends this leadership.
   */
  private Future<?> write(String key, JsonObject value, Runnable then) {
    long mine = epoch;
    FailoverMap.FencedPut op = new FailoverMap.FencedPut(value == null ? null : value.encode(), mine);
    return Future.fromCompletionStage(map.submitToKey(key, op), context)
        .onSuccess(stored -> {
          if (!leader || epoch != mine) {
            return;
          }
          if (stored > mine) {
            stepDown(key + " carries epoch " + stored + ", newer than ours");
            yielded = true;
            return;
          }
          decisions++;
          then.run();
        })
        .onFailure(err -> {
          if (isQuorumFailure(err)) {
            stepDown("no quorum (" + err.getMessage() + ")");
          } else {
            LOG.warning(() -> "write of " + key + " failed: " + err);
            vertx.setTimer(TICK_MS, id -> decide());
          }
        });
  }

  private void publish(EventType type, JsonObject data) {
    publish(type, data, epoch);
  }

  private void publish(EventType type, JsonObject data, long withEpoch) {
    vertx.eventBus().publish(Addresses.EVENTS,
        Event.of(type, settings.nodeId(), settings.dc(), data).withEpoch(withEpoch).toJson());
  }

  // ---- admin --------------------------------------------------------------------------------------

  private JsonObject status() {
    // a follower shows the leader last announced (while it is still a member) and the decisions it follows
    FailoverFollower.Leader announced = follower.leader();
    JsonObject known = announced == null || hz.getCluster().getMembers().stream()
        .noneMatch(m -> announced.nodeId().equals(m.getAttribute(MemberInfo.ATTR_NODE))) ? null : announced.toJson();
    JsonArray r = new JsonArray();
    (leader ? roles : follower.roles()).values().forEach(x -> r.add(x.toJson()));
    JsonArray p = new JsonArray();
    (leader ? plans : follower.plans()).values().forEach(x -> p.add(x.toJson()));
    return AdminServer.baseStatus(vertx, settings)
        .put("role", role())
        .put("leader", leader ? FailoverMap.leaderJson(settings.nodeId(), epoch, leaderSince) : known)
        .put("epoch", Math.max(epoch, follower.epoch()))
        .put("quorum", quorumJson().put("present", quorumPresent()))
        .put("decisions", decisions)
        .put("roles", r)
        .put("plans", p);
  }

  /** For tests and /status: whether this instance leads now, and with which epoch. */
  public boolean isLeader() {
    return leader;
  }

  public long epoch() {
    return epoch;
  }

  /** The admin port actually listened on (useful when started with port 0). */
  public int adminPort() {
    return adminServer.actualPort();
  }
}
