package lbmesh.failover;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.internal.cluster.impl.ClusterServiceImpl;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import lbmesh.shared.testing.TestCluster;

/**
 * Splits an in-JVM cluster as a network partition would: each side declares the other's members dead
 * and closes its connections to them (Hazelcast's internal suspicion, the way its own split-brain tests
 * do it). The sides run apart until Hazelcast's split-brain handler merges them back (10 s after start,
 * then every 5 s, see ClusterBootstrap).
 */
final class Partition {
  private Partition() {
  }

  /** Cuts `victim` off from every other member in `members`. */
  static void isolate(Vertx victim, List<Vertx> members) {
    HazelcastInstance v = TestCluster.hz(victim);
    UUID vid = v.getCluster().getLocalMember().getUuid();
    // the victim's own view, oldest (the master) first; it suspects the master last, so that by then no
    // other member is left for it to claim mastership with: it becomes a cluster of its own at once
    List<Member> victimSees = new ArrayList<>(v.getCluster().getMembers());
    Member master = victimSees.get(0);
    victimSees.removeIf(m -> m.getUuid().equals(vid) || m.getUuid().equals(master.getUuid()));
    if (!master.getUuid().equals(vid)) {
      victimSees.add(master);
    }
    // each side names the other by its own member object (a local member object may not be suspected);
    // all are looked up before the first cut changes the member lists
    List<Runnable> cuts = new ArrayList<>();
    for (Vertx o : members) {
      HazelcastInstance other = TestCluster.hz(o);
      if (!other.getCluster().getLocalMember().getUuid().equals(vid)) {
        Member victimAsSeen = byId(other).get(vid);
        cuts.add(() -> clusterService(other).suspectMember(victimAsSeen, "test partition", true));
      }
    }
    for (Member m : victimSees) {
      cuts.add(() -> clusterService(v).suspectMember(m, "test partition", true));
    }
    cuts.forEach(Runnable::run);
  }

  private static Map<UUID, Member> byId(HazelcastInstance hz) {
    Map<UUID, Member> m = new HashMap<>();
    hz.getCluster().getMembers().forEach(x -> m.put(x.getUuid(), x));
    return m;
  }

  private static ClusterServiceImpl clusterService(HazelcastInstance hz) {
    return ((HazelcastInstanceProxy) hz).getOriginal().node.getClusterService();
  }
}
