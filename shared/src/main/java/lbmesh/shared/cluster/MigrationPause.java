package lbmesh.shared.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.instance.impl.Node;
import com.hazelcast.internal.partition.impl.InternalPartitionServiceImpl;
import com.hazelcast.internal.partition.impl.MigrationManager;
import com.hazelcast.internal.util.scheduler.CoalescingDelayedTrigger;
import java.lang.reflect.Field;
import java.util.logging.Logger;

/**
 * Shortens the pause Hazelcast puts on its migration thread after a failed migration.
 *
 * <p>When a migration fails (a member died while partitions were moving to one that had just joined),
 * Hazelcast 5.3's {@code MigrationManager} stops its migration thread and lets it go on only 3 s later
 * ({@code MIGRATION_PAUSE_DURATION_SECONDS_ON_MIGRATION_FAILURE}, a constant, no property; up to 6 s when
 * failures keep coming). That thread is also the one that promotes backups for the partitions the dead
 * member owned, so those partitions had no owner for 3 s and every operation on them, the failover
 * leader's epoch bump included, waited that long (measured: promotions committed 3.03 s after the
 * removal; a reader knew the new leader 3.04-3.09 s after it). The pause is there so that a migration
 * that keeps failing does not spin; {@link #PAUSE_MS} keeps that, a few retries a second at most.
 */
final class MigrationPause {
  private static final Logger LOG = Logger.getLogger(MigrationPause.class.getName());
  /** The pause after a failed migration, and its bound when failures keep coming (Hazelcast: 3 s, 6 s). */
  static final long PAUSE_MS = 200;
  static final long MAX_PAUSE_MS = 400;

  private MigrationPause() {
  }

  /**
   * Replaces the migration manager's resume trigger with one of {@link #PAUSE_MS}; returns false (and
   * leaves Hazelcast's 3 s) when this Hazelcast version is laid out differently.
   */
  static boolean shorten(HazelcastInstance hz) {
    try {
      Node node = ((HazelcastInstanceProxy) hz).getOriginal().node;
      InternalPartitionServiceImpl partitions = (InternalPartitionServiceImpl) node.getPartitionService();
      MigrationManager manager = partitions.getMigrationManager();
      Field f = MigrationManager.class.getDeclaredField("delayedResumeMigrationTrigger");
      f.setAccessible(true);
      f.set(manager, new CoalescingDelayedTrigger(node.getNodeEngine().getExecutionService(), PAUSE_MS,
          MAX_PAUSE_MS, partitions::resumeMigration));
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.warning(() -> "cannot shorten Hazelcast's 3 s migration pause (" + e + "): a member that dies while"
          + " partitions migrate leaves its partitions without an owner for 3 s");
      return false;
    }
  }
}
