package lbmesh.shared.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.instance.impl.Node;
import com.hazelcast.internal.cluster.fd.ClusterFailureDetector;
import com.hazelcast.internal.cluster.impl.ClusterHeartbeatManager;
import com.hazelcast.internal.cluster.impl.ClusterServiceImpl;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Field;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Drops a member that stopped answering (hung, SIGSTOPped, its host or link gone: no socket closes) after
 * {@link ClusterSettings#heartbeatTimeoutMs()} (2 s) of silence instead of 10, without splitting a live
 * cluster while it starts or recovers.
 *
 * <p>Why by hand: Hazelcast's detectors (deadline and phi-accrual) apply one timeout at all times, and a
 * short one splits a live cluster: while many JVMs start on 2 cores a healthy member can miss 4 s of
 * heartbeats (./mesh measured splits in 5 of 6 starts at 4 s), and a member resumed after a pause of its
 * own finds every other member silent and suspects them all. This detector, put into Hazelcast's heartbeat
 * manager once the member has joined, is a deadline with two guards:
 * <ul>
 <li>a grace: within {@link ClusterSettings#startupGraceSeconds()} of the latest join (or this member's own
 *     start or rejoin), and within {@link #REMOVAL_GRACE_MS} of a removal, Hazelcast's {@code
 *     max.no.heartbeat} ({@link ClusterSettings#maxNoHeartbeatSeconds()}) applies: changes are when members
 *     are busiest (class loading and JIT of a newcomer, partition migration and promotion, Vert.x cleaning
 *     a dead member's subscriptions). The price: a failure within a grace is detected after
 *     max.no.heartbeat.</li>
 <li>its own pauses: a gap of {@link #OWN_PAUSE_MS} between two of its checks (due every {@link #CHECK_MS})
 *     means this member was paused, so what it heard is stale, not the others silent.</li>
 * </ul>
 * Heartbeats still go out once a second (Hazelcast's interval is whole seconds); the detector checks every
 * {@link #CHECK_MS} on a thread of its own, so a member is dropped as soon as it has been silent for the
 * timeout (Hazelcast alone checks on its 1 s tick: 2-3 s after the last heartbeat; measured 2.2-3.2 s to a
 * new leader). Tried and not kept: running Hazelcast's whole heartbeat round (send and check) four times a
 * second; measured on loopback, live members then went silent for 10 s and more right after another member
 * was dropped, and were dropped too.
 * Hazelcast's internals are reached by reflection (its version is pinned by the Vert.x BOM and {@code
 * ClusterBootstrapTest} checks the install works); when they differ this logs why and leaves Hazelcast's
 * own detector in place.
 */
final class HeartbeatDetector implements ClusterFailureDetector {
  private static final Logger LOG = Logger.getLogger(HeartbeatDetector.class.getName());
  /** How often Hazelcast sends heartbeats and checks them (hazelcast.heartbeat.interval.seconds, at least 1). */
  static final long TICK_MS = 1_000;
  /**
   * After a removal the survivors take over the dead member's partitions: for this long the start-up
   * timeout applies. Short, unlike the grace after a join: a second failure soon after a first (a gateway
   * and then the leader killed 10 s apart, as compose/test.sh does) must still be seen in seconds.
   */
  static final long REMOVAL_GRACE_MS = 5_000;
  /** How often this detector checks as well. */
  static final long CHECK_MS = 100;
  /**
   * A gap this long between two checks (due every {@link #CHECK_MS}) means this member itself was paused
   * (SIGSTOP, a long GC, a starved machine): its view of the others is stale, not theirs silent.
   */
  static final long OWN_PAUSE_MS = 1_000;

  private final long timeoutMs;
  private final long graceTimeoutMs;
  private final long graceMs;
  /** The latest heartbeat from each member, cluster time. */
  private final ConcurrentMap<Member, Long> lastHeard = new ConcurrentHashMap<>();
  private final LongSupplier clock;
  /** Cluster time of the latest join seen (or of this member's install, or of a reset). */
  private volatile long lastChange;
  /** Cluster time of the latest removal of a member. */
  private volatile long lastRemoval = Long.MIN_VALUE / 2;
  private volatile boolean settled;
  /** Cluster time of the latest check. */
  private volatile long lastCheck;

  /** `clock`: the cluster time, the clock of the heartbeats' timestamps. */
  HeartbeatDetector(long timeoutMs, long graceTimeoutMs, long graceMs, LongSupplier clock) {
    this.timeoutMs = timeoutMs;
    this.graceTimeoutMs = Math.max(timeoutMs, graceTimeoutMs);
    this.graceMs = graceMs;
    this.clock = clock;
    this.lastChange = clock.getAsLong();
  }

  /**
   * Puts a detector into `hz`'s heartbeat manager and starts its checker; false (Hazelcast's detector stays)
   * when this Hazelcast version is laid out differently.
   */
  static boolean install(HazelcastInstance hz, ClusterSettings s) {
    if (s.heartbeatTimeoutMs() == 0) {
      return false;
    }
    try {
      Node node = ((HazelcastInstanceProxy) hz).getOriginal().node;
      ClusterHeartbeatManager manager = node.getClusterService().getClusterHeartbeatManager();
      Field f = detectorField();
      ClusterFailureDetector old = (ClusterFailureDetector) f.get(manager);
      var cluster = hz.getCluster();
      HeartbeatDetector detector = new HeartbeatDetector(s.heartbeatTimeoutMs(),
          TimeUnit.SECONDS.toMillis(s.maxNoHeartbeatSeconds()), TimeUnit.SECONDS.toMillis(s.startupGraceSeconds()),
          cluster::getClusterTime);
      long now = detector.lastChange;
      for (Member m : cluster.getMembers()) {
        if (!m.localMember()) {
          long last = old.lastHeartbeat(m);
          detector.lastHeard.put(m, last > 0 ? last : now);
        }
      }
      // every member learns of joins and removals here; Hazelcast tells the detector of a removal on the
      // master only
      cluster.addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent e) {
          detector.changed(detector.clock.getAsLong());
        }

        @Override
        public void memberRemoved(MembershipEvent e) {
          detector.removed(detector.clock.getAsLong());
        }
      });
      f.set(manager, detector);
      // Hazelcast checks once a second, on its heartbeat tick; checked every CHECK_MS as well, a member is
      // dropped as soon as it has been silent for the timeout, not up to a second later. Only checks: the
      // heartbeats themselves still go out once a second.
      ClusterServiceImpl clusterService = node.getClusterService();
      ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lbmesh-failure-detector");
        t.setDaemon(true);
        return t;
      });
      checker.scheduleWithFixedDelay(() -> {
        if (!hz.getLifecycleService().isRunning()) {
          checker.shutdown();
        } else if (clusterService.isJoined()) {
          detector.check(clusterService);
        }
      }, CHECK_MS, CHECK_MS, TimeUnit.MILLISECONDS);
      LOG.info(() -> "failure detection: a member silent for " + s.heartbeatTimeoutMs()
          + " ms is dropped (" + s.maxNoHeartbeatSeconds() + " s within " + s.startupGraceSeconds()
          + " s of a join and " + REMOVAL_GRACE_MS + " ms of a removal)");
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.warning(() -> "cannot install the fast failure detector (" + e + "): a hung member is dropped only after "
          + s.maxNoHeartbeatSeconds() + " s");
      return false;
    }
  }

  /** The detector installed in `hz`, or null (Hazelcast's own is in place). */
  static HeartbeatDetector of(HazelcastInstance hz) {
    try {
      Node node = ((HazelcastInstanceProxy) hz).getOriginal().node;
      return detectorField().get(node.getClusterService().getClusterHeartbeatManager()) instanceof HeartbeatDetector d
          ? d : null;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  /** The heartbeat manager's field holding its failure detector (final: set by reflection). */
  private static Field detectorField() throws NoSuchFieldException {
    Field f = ClusterHeartbeatManager.class.getDeclaredField("heartbeatFailureDetector");
    f.setAccessible(true);
    return f;
  }

  /** For /status: the timeout in force at cluster time `now`, and whether the join grace is over. */
  JsonObject toJson(long now) {
    long t = timeout(now);
    return new JsonObject().put("heartbeatMs", TICK_MS).put("timeoutMs", t).put("settledTimeoutMs", timeoutMs)
        .put("settled", t == timeoutMs).put("graceLeftMs",
        Math.max(0, Math.max(graceMs - (now - lastChange), REMOVAL_GRACE_MS - (now - lastRemoval))));
  }

  /** Suspects (and so, on the master, drops) every member silent for longer than the timeout in force. */
  void check(ClusterServiceImpl clusterService) {
    long now = clock.getAsLong();
    for (Member m : clusterService.getMembers()) {
      if (m.localMember() || isAlive(m, now)) {
        continue;
      }
      long silent = now - lastHeartbeat(m);
      long timeout = timeout(now);
      try {
        // idempotent: a member already suspected stays so; Hazelcast's own tick may suspect it as well
        clusterService.suspectMember(m, "no heartbeat for " + silent + " ms (timeout " + timeout + " ms)", true);
      } catch (RuntimeException e) {
        LOG.warning(() -> "could not suspect " + m + ": " + e);
      }
    }
  }

  /** The silence after which `member` is dead at cluster time `now`. */
  long timeout(long now) {
    boolean calm = now - lastChange >= graceMs && now - lastRemoval >= REMOVAL_GRACE_MS;
    if (calm != settled) {
      settled = calm;
      LOG.info(() -> calm ? "failure detection settled: a member silent for " + timeoutMs + " ms is dropped"
          : "the member list changed: a member silent for " + graceTimeoutMs + " ms is dropped for "
              + graceMs + " ms after a join, " + REMOVAL_GRACE_MS + " ms after a removal");
    }
    return calm ? timeoutMs : graceTimeoutMs;
  }

  @Override
  public void heartbeat(Member member, long timestamp) {
    lastHeard.compute(member, (m, last) -> {
      if (last == null) {
        changed(timestamp);
        return timestamp;
      }
      return Math.max(last, timestamp);
    });
  }

  private void removed(long at) {
    if (at > lastRemoval) {
      lastRemoval = at;
    }
  }

  private void changed(long at) {
    if (at > lastChange) {
      lastChange = at;
    }
  }

  @Override
  public boolean isAlive(Member member, long now) {
    ownPause(now);
    Long last = lastHeard.get(member);
    if (last == null) {
      // not heard from yet (it just joined): its clock starts now
      heartbeat(member, now);
      return true;
    }
    return now - last <= timeout(now);
  }

  @Override
  public long lastHeartbeat(Member member) {
    return lastHeard.getOrDefault(member, 0L);
  }

  @Override
  public double suspicionLevel(Member member, long now) {
    Long last = lastHeard.get(member);
    return last == null ? 0 : (double) (now - last) / timeout(now);
  }

  /**
   * After a pause of this member's own, every member counts as heard from now, and the grace applies: a
   * member resumed after 2.3 s of SIGSTOP otherwise suspected every other member at once, claimed the
   * mastership, and confused the cluster for seconds. (Hazelcast resets its timestamps only for a clock
   * jump of half its max.no.heartbeat.)
   */
  private void ownPause(long now) {
    long prev = lastCheck;
    lastCheck = now;
    if (prev == 0 || now - prev < OWN_PAUSE_MS) {
      return;
    }
    LOG.warning(() -> "this member was paused for " + (now - prev) + " ms (no heartbeat check): what it heard of"
        + " the others is stale, so they count as heard from now");
    lastHeard.replaceAll((m, last) -> Math.max(last, now));
    changed(now);
  }

  @Override
  public void remove(Member member) {
    // called when Hazelcast drops `member`: the survivors are busy taking over its partitions
    if (lastHeard.remove(member) != null) {
      removed(clock.getAsLong());
    }
  }

  @Override
  public void reset() {
    // after a merge or a rejoin: every member counts as new, so the grace applies again
    lastHeard.clear();
    changed(clock.getAsLong());
  }
}
