package lbmesh.shared.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.map.IMap;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import lbmesh.shared.testing.Await;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClusterBootstrapTest {
  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void membersCarryServiceDcNodeAndPidAttributes() {
    Vertx a = cluster.start("registry-service", "dc1");
    cluster.start("gateway", "dc2");
    Await.until(Duration.ofSeconds(10), "two members", () -> TestCluster.hz(a).getCluster().getMembers().size() == 2);
    Set<String> seen = TestCluster.hz(a).getCluster().getMembers().stream()
        .map(MemberInfo::of).map(m -> m.service() + "@" + m.dc()).collect(Collectors.toSet());
    assertEquals(Set.of("registry-service@dc1", "gateway@dc2"), seen);
    MemberInfo self = MemberInfo.of(TestCluster.hz(a).getCluster().getLocalMember());
    assertEquals(ProcessHandle.current().pid(), self.pid());
    assertTrue(self.nodeId().startsWith("registry-service-"));
  }

  /** Guards the reflection into Hazelcast's heartbeat manager: a Hazelcast upgrade that moves it fails here. */
  @Test
  void everyMemberRunsTheFastFailureDetector() {
    Vertx a = cluster.start("gateway", "dc1");
    io.vertx.core.json.JsonObject fd = ClusterBootstrap.failureDetection(a);
    assertEquals(true, fd.getBoolean("installed"), fd.encode());
    assertEquals(ClusterSettings.DEFAULT_HEARTBEAT_TIMEOUT_MS, fd.getLong("settledTimeoutMs"));
    assertEquals(false, fd.getBoolean("settled"), "a member that just started is within the join grace: " + fd);
  }

  @Test
  void partitionOperationsAreRetriedOftenAndStillGiveUpOnlyAfterMinutes() {
    com.hazelcast.config.Config cfg = ClusterBootstrap.hazelcastConfig(cluster.settings("gateway", "dc1"));
    long pause = Long.parseLong(cfg.getProperty("hazelcast.invocation.retry.pause.millis"));
    long count = Long.parseLong(cfg.getProperty("hazelcast.invocation.max.retry.count"));
    // Hazelcast's 500 ms made a failover election sleep up to half a second past the moment the epoch's
    // partition was usable again after a crash
    assertTrue(pause <= 100, "retry pause " + pause + " ms");
    assertTrue(pause * count >= 100_000, "an operation gives up after " + pause * count + " ms only");
    long interval = Long.parseLong(cfg.getProperty("hazelcast.connection.monitor.interval"));
    long faults = Long.parseLong(cfg.getProperty("hazelcast.connection.monitor.max.faults"));
    assertTrue(faults >= 3 && interval * faults <= 200, "a crash is noticed after " + faults + " x " + interval + " ms");
  }

  /**
   * A migration that fails (its source died) pauses Hazelcast's migration thread, which also promotes the
   * backups of a dead member's partitions: 3 s in Hazelcast 5.3, during which those partitions had no owner
   * (the failover epoch bump waited for it). Run the trigger as Hazelcast does after a failed migration.
   */
  @Test
  void aFailedMigrationPausesPromotionsForAFractionOfASecondOnly() throws Exception {
    Vertx a = cluster.start("gateway", "dc1");
    var node = ((com.hazelcast.instance.impl.HazelcastInstanceProxy) TestCluster.hz(a)).getOriginal().node;
    var partitions = (com.hazelcast.internal.partition.impl.InternalPartitionServiceImpl) node.getPartitionService();
    var manager = partitions.getMigrationManager();
    var field = manager.getClass().getDeclaredField("delayedResumeMigrationTrigger");
    field.setAccessible(true);
    var trigger = (com.hazelcast.internal.util.scheduler.CoalescingDelayedTrigger) field.get(manager);
    partitions.pauseMigration();
    trigger.executeWithDelay();
    long ms = Await.until(Duration.ofSeconds(10), "migrations allowed again", partitions::areMigrationTasksAllowed);
    System.out.println("migration thread resumed " + ms + " ms after a failed migration");
    assertTrue(ms < 1000, "resumed after " + ms + " ms");
  }

  @Test
  void crashedMemberIsDroppedWithinFiveSeconds() {
    Vertx a = cluster.start("gateway", "dc1");
    Vertx b = cluster.start("gateway", "dc1");
    Await.until(Duration.ofSeconds(10), "two members", () -> TestCluster.hz(a).getCluster().getMembers().size() == 2);
    cluster.crash(b);
    long ms = Await.until(Duration.ofSeconds(5), "crashed member dropped",
        () -> TestCluster.hz(a).getCluster().getMembers().size() == 1);
    System.out.println("crashed member dropped after " + ms + " ms");
  }

  @Test
  void losingAWholeDcKeepsEveryMapEntry() {
    cluster.dcAwareBackups();
    Vertx dc1a = cluster.start("gateway", "dc1");
    Vertx dc1b = cluster.start("gateway", "dc1");
    Vertx dc2 = cluster.start("gateway", "dc2");
    Await.until(Duration.ofSeconds(10), "three members", () -> TestCluster.hz(dc2).getCluster().getMembers().size() == 3);
    IMap<Integer, Integer> map = TestCluster.hz(dc1a).getMap("zone-test");
    for (int i = 0; i < 1000; i++) {
      map.set(i, i);
    }
    Await.until(Duration.ofSeconds(20), "backups in place", () -> TestCluster.hz(dc2).getPartitionService().isClusterSafe());
    cluster.crash(dc1a);
    cluster.crash(dc1b);
    Await.until(Duration.ofSeconds(10), "dc1 gone", () -> TestCluster.hz(dc2).getCluster().getMembers().size() == 1);
    IMap<Integer, Integer> survivor = TestCluster.hz(dc2).getMap("zone-test");
    assertEquals(1000, survivor.size(), "every entry survived the loss of dc1 through its dc2 backup");
  }
}
