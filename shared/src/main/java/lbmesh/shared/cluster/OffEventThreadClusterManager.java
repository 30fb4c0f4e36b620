package lbmesh.shared.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.config.Config;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Vert.x's Hazelcast cluster manager, with its handling of member arrivals and departures moved off
 * Hazelcast's event threads onto a thread of its own (one, so their order is kept).
 *
 * <p>On every member, Vert.x handles a departure inside the membership callback: it walks the whole
 * subscription MultiMap to drop the dead node's entries (a read of every partition, including those
 * still being recovered from the dead member), then writes its own node info and subscriptions back, all
 * blocking. Hazelcast's event threads are few (5) and striped: entry events that share the stripe wait
 * behind it. Measured on the registry of a fresh mesh, after a kill -9 of the failover leader: the
 * new leader's bump of entry {@code epoch} reached the gateways 40 ms after it committed, and the
 * registry 950 ms after, on the same event thread number.
 */
final class OffEventThreadClusterManager extends HazelcastClusterManager {
  private final ExecutorService membership = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "vertx-hazelcast-membership");
    t.setDaemon(true);
    return t;
  });

  OffEventThreadClusterManager(Config config) {
    super(config);
  }

  @Override
  public void memberAdded(MembershipEvent e) {
    membership.execute(() -> super.memberAdded(e));
  }

  @Override
  public void memberRemoved(MembershipEvent e) {
    membership.execute(() -> super.memberRemoved(e));
  }
}
