package lbmesh.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.failover.FailoverFollower;
import lbmesh.shared.failover.FailoverMap;
import lbmesh.shared.failover.GatewayGroupSettings;
import lbmesh.shared.failover.GatewayMode;
import lbmesh.shared.failover.RoleAssignment;
import lbmesh.shared.testing.Await;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FailoverClusterTest {
  static final long TAKEOVER_TARGET_MS = 2000;

  private final TestCluster cluster = new TestCluster();
  /** Events seen by an observer member, with the time they arrived. */
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  /** Every member started, for the partition helper. */
  private final List<Vertx> members = new CopyOnWriteArrayList<>();

  record Seen(Event event, long nanos) {
  }

  record Node(Vertx vertx, FailoverVerticle verticle, String nodeId) {
  }

  @AfterEach
  void close() {
    cluster.close();
  }

  private ClusterSettings settings(String service, int quorum) {
    return cluster.settings(service, "dc1").withQuorum(quorum);
  }

  private Node failover(int quorum) throws Exception {
    ClusterSettings s = settings(FailoverMap.SERVICE, quorum);
    Vertx v = start(s);
    FailoverVerticle f = new FailoverVerticle(s, "127.0.0.1", 0);
    v.deployVerticle(f).await(20, TimeUnit.SECONDS);
    return new Node(v, f, s.nodeId());
  }

  private Vertx start(ClusterSettings s) {
    Vertx v = cluster.start(s);
    members.add(v);
    return v;
  }

  private Vertx gateway(String id, int priority, int quorum) {
    return start(settings("gateway", quorum).withNodeId(id)
        .withGateway(new GatewayGroupSettings("edge", GatewayMode.ACTIVE_PASSIVE, priority, false)));
  }

  private Vertx observer(Vertx v) throws Exception {
    v.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> seen.add(new Seen(Event.fromJson(m.body()), System.nanoTime())))
        .completion().await(5, TimeUnit.SECONDS);
    return v;
  }

  private Optional<Seen> first(String type, Predicate<Event> p) {
    return seen.stream().filter(s -> s.event().type().equals(type) && p.test(s.event())).findFirst();
  }

  private Seen await(String type, String what, Predicate<Event> p) {
    Await.until(Duration.ofSeconds(15), what, () -> first(type, p).isPresent());
    return first(type, p).orElseThrow();
  }

  private static String active(Event e) {
    return RoleAssignment.fromJson(e.data()).active();
  }

  @Test
  void killingTheLeaderOfThreeElectsAnotherWithinTwoSecondsWithALargerEpochAndAPassiveGatewayTakesOver()
      throws Exception {
    int quorum = 4; // six members: the majority side of any split
    observer(cluster.start(settings("registry-service", quorum)));
    Vertx gw1 = gateway("gw-1", 100, quorum);
    gateway("gw-2", 90, quorum);
    Node f1 = failover(quorum);
    Node f2 = failover(quorum);
    Node f3 = failover(quorum);

    Event elected = await("leader.elected", "first leader", e -> true).event();
    assertEquals(f1.nodeId(), elected.data().getString("nodeId"), "the oldest failover member leads");
    long e1 = elected.epoch();
    Event role = await("gateway.role", "first roles", e -> e.epoch() == e1).event();
    assertEquals("gw-1", active(role), "the higher-priority gateway is active");
    assertEquals("passive", RoleAssignment.fromJson(role.data()).roleOf("gw-2"));
    assertFalse(f2.verticle().isLeader() || f3.verticle().isLeader(), "exactly one leader");

    steady(f2.vertx());
    long t0 = System.nanoTime();
    cluster.crash(f1.vertx());
    Seen next = await("leader.elected", "a new leader", e -> e.epoch() > e1);
    Seen nextRole = await("gateway.role", "the new leader's first role decision", e -> e.epoch() > e1);
    long electedMs = (next.nanos() - t0) / 1_000_000;
    long roleMs = (nextRole.nanos() - t0) / 1_000_000;
    System.out.println("takeover after kill -9 of the leader: leader.elected after " + electedMs
        + " ms, first gateway.role after " + roleMs + " ms");
    assertEquals(f2.nodeId(), next.event().data().getString("nodeId"), "the next oldest leads");
    assertTrue(next.event().epoch() > e1, "the epoch grew");
    assertTrue(roleMs < TAKEOVER_TARGET_MS, "takeover within the target: " + roleMs + " ms");
    assertEquals("gw-1", active(nextRole.event()), "a new leader keeps the active gateway");
    assertTrue(f2.verticle().isLeader() && !f3.verticle().isLeader());
    long e2 = next.event().epoch();

    steady(f2.vertx());
    long t1 = System.nanoTime();
    cluster.crash(gw1);
    Seen promoted = await("gateway.role", "gw-2 promoted", e -> "gw-2".equals(active(e)));
    long promoteMs = (promoted.nanos() - t1) / 1_000_000;
    System.out.println("active gateway killed: gw-2 promoted after " + promoteMs + " ms");
    assertTrue(promoteMs < TAKEOVER_TARGET_MS, "promotion within the target: " + promoteMs + " ms");
    assertEquals(e2, promoted.event().epoch());

    // gw-1 returns with its higher priority: without preemption, gw-2 keeps the role
    gateway("gw-1b", 100, quorum);
    Event back = await("gateway.role", "gw-1b listed", e -> RoleAssignment.fromJson(e.data()).roleOf("gw-1b") != null)
        .event();
    assertEquals("gw-2", active(back));
    assertEquals("passive", RoleAssignment.fromJson(back.data()).roleOf("gw-1b"));

    String stored = (String) TestCluster.hz(f2.vertx()).getMap(Addresses.FAILOVER_MAP).get(FailoverMap.roleKey("edge"));
    assertEquals(RoleAssignment.fromJson(back.data()), RoleAssignment.fromJson(new JsonObject(stored)),
        "the map holds the last decision");
  }

  /**
   * The first minute of a mesh: a member has just joined and partitions are moving to it when the leader
   * dies. A reader (the registry's cluster view) must know the new leader soon after the member list lets
   * the election start: the announcement may wait for the epoch's own partition, not for the others, nor
   * for the event bus's lookup of the subscribers (both waited for recovering partitions: 3.6 s after
   * the removal in one of three runs before). Twice, with a new member each time, for two chances to hit
   * a partition in the middle of its migration. A migration from the dead leader fails, and Hazelcast then
   * pauses the thread that also promotes the dead member's backups: with its 3 s pause, the epoch's
   * partition had no owner for 3 s when the leader owned it (3.1-3.4 s after the kill in 3 of 15 runs);
   * {@code MigrationPause} shortens it.
   */
  @Test
  void aLeaderKilledWhilePartitionsMigrateIsKnownToReadersSoonAfterItsRemoval() throws Exception {
    int quorum = 4;
    Vertx reader = observer(cluster.start(settings("registry-service", quorum)));
    FailoverFollower follower = new FailoverFollower(reader);
    follower.start().await(20, TimeUnit.SECONDS);
    gateway("gw-1", 100, quorum);
    Node f1 = failover(quorum);
    Node f2 = failover(quorum);
    Node f3 = failover(quorum);
    long epoch = await("leader.elected", "first leader", e -> true).event().epoch();
    // data to move, so that a migration to a joining member lasts a while on this machine
    var bulk = TestCluster.hz(reader).<Integer, String>getMap("bulk");
    String value = "x".repeat(2048);
    java.util.Map<Integer, String> batch = new java.util.HashMap<>();
    for (int i = 0; i < 5000; i++) {
      batch.put(i, value);
    }
    bulk.putAll(batch);
    long[] removedAt = {0};
    TestCluster.hz(reader).getCluster().addMembershipListener(new com.hazelcast.cluster.MembershipListener() {
      @Override
      public void memberAdded(com.hazelcast.cluster.MembershipEvent e) {
      }

      @Override
      public void memberRemoved(com.hazelcast.cluster.MembershipEvent e) {
        removedAt[0] = System.nanoTime();
      }
    });
    epoch = killLeaderWhileAMemberJoins(reader, follower, f1, f2, epoch, "gw-2", removedAt);
    killLeaderWhileAMemberJoins(reader, follower, f2, f3, epoch, "gw-3", removedAt);
  }

  /** Kills `leader` right after a new member joined; returns the epoch `next` leads with. */
  private long killLeaderWhileAMemberJoins(Vertx reader, FailoverFollower follower, Node leader, Node next,
      long epochBefore, String joiner, long[] removedAt) throws Exception {
    steady(reader);
    long[] knownAt = {0};
    Thread watch = new Thread(() -> {
      long end = System.nanoTime() + 20_000_000_000L;
      while (System.nanoTime() < end) {
        FailoverFollower.Leader l = follower.leader();
        if (l != null && l.epoch() > epochBefore) {
          knownAt[0] = System.nanoTime();
          return;
        }
        try {
          Thread.sleep(1);
        } catch (InterruptedException ex) {
          return;
        }
      }
    });
    watch.start();
    gateway(joiner, 90, 4);
    boolean migrating = !TestCluster.hz(reader).getPartitionService().isClusterSafe();
    removedAt[0] = 0;
    long t0 = System.nanoTime();
    cluster.crash(leader.vertx());
    watch.join(25_000);
    assertTrue(knownAt[0] > 0, "a new leader known to the reader");
    // the reader may hear of the new epoch before its own membership listener runs
    Await.until(Duration.ofSeconds(5), "the leader removed from the reader's member list", () -> removedAt[0] > 0);
    long removedMs = (removedAt[0] - t0) / 1_000_000;
    long knownMs = (knownAt[0] - t0) / 1_000_000;
    System.out.println("leader killed " + (migrating ? "while partitions migrated" : "(partitions already settled)")
        + ": removed from the member list after " + removedMs + " ms, new leader known to a reader after "
        + knownMs + " ms");
    assertEquals(next.nodeId(), follower.leader().nodeId(), "the next oldest leads");
    assertTrue(knownMs - removedMs < 1000, "known " + (knownMs - removedMs) + " ms after the removal");
    assertTrue(knownMs < TAKEOVER_TARGET_MS, "known " + knownMs + " ms after the kill");
    return follower.leader().epoch();
  }

  @Test
  void anIsolatedLeaderMakesNoDecisionWhileTheMajorityElectsANewOne()
      throws Exception {
    int quorum = 3;
    observer(start(settings("registry-service", quorum)));
    Node f1 = failover(quorum);
    // two members of the three needed: f1 is the oldest failover member but must not lead yet
    assertNoEventFor(Duration.ofMillis(1000), "leader.elected");
    assertFalse(f1.verticle().isLeader());
    Node f2 = failover(quorum);
    Event elected = await("leader.elected", "first leader once the quorum is there", e -> true).event();
    assertEquals(f1.nodeId(), elected.data().getString("nodeId"));
    long e1 = elected.epoch();
    assertEquals(1, e1, "no epoch was taken while the quorum was missing");
    gateway("gw-a", 100, quorum);
    gateway("gw-b", 90, quorum);
    await("gateway.role", "gw-a active, gw-b passive", e -> "gw-a".equals(active(e))
        && "passive".equals(RoleAssignment.fromJson(e.data()).roleOf("gw-b")));
    // what f1 itself publishes, seen on its own side of the split
    List<Event> minority = new CopyOnWriteArrayList<>();
    f1.vertx().eventBus().<JsonObject>localConsumer(Addresses.EVENTS, m -> minority.add(Event.fromJson(m.body())))
        .completion().await(5, TimeUnit.SECONDS);
    steady(f1.vertx());

    long splitAt = System.currentTimeMillis();
    Partition.isolate(f1.vertx(), members);
    long t0 = System.nanoTime();
    Seen next = await("leader.elected", "the majority elects f2", e -> e.epoch() > e1);
    System.out.println("leader isolated: majority's leader.elected after " + (next.nanos() - t0) / 1_000_000 + " ms");
    assertEquals(f2.nodeId(), next.event().data().getString("nodeId"));
    Await.until(Duration.ofSeconds(5), "f1 alone and not leading",
        () -> TestCluster.hz(f1.vertx()).getCluster().getMembers().size() == 1 && !f1.verticle().isLeader());
    // f1 saw both gateways vanish: a leader would reassign the group; without quorum it must not
    assertNoEventFor(Duration.ofMillis(1000), "gateway.role", e -> e.epoch() > e1 && e.node().equals(f1.nodeId()));
    assertTrue(minority.stream().noneMatch(e -> f1.nodeId().equals(e.node()) && e.ts() >= splitAt
        && (e.type().equals("leader.elected") || e.type().equals("gateway.role"))), "f1 decided nothing: " + minority);

    assertTrue(f2.verticle().isLeader());
  }

  /** A crash is measured from a settled cluster: no partition migration still under way. */
  private static void steady(Vertx member) {
    Await.until(Duration.ofSeconds(20), "partitions settled",
        () -> TestCluster.hz(member).getPartitionService().isClusterSafe());
  }

  private void assertNoEventFor(Duration window, String type) {
    assertNoEventFor(window, type, e -> true);
  }

  /** Watches the observer's events for a whole window: the thing must not happen at all. */
  private void assertNoEventFor(Duration window, String type, Predicate<Event> p) {
    long end = System.nanoTime() + window.toNanos();
    while (System.nanoTime() < end) {
      assertTrue(first(type, p).isEmpty(), "unexpected " + type + ": " + first(type, p));
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
