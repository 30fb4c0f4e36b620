package lbmesh.gateway.route;

import java.util.ArrayList;
import java.util.List;
import lbmesh.gateway.balance.Algorithm;
import lbmesh.gateway.balance.BalancedServer;
import lbmesh.gateway.balance.Balancer;
import lbmesh.gateway.balance.Balancers;
import lbmesh.gateway.balance.LoadView;
import lbmesh.gateway.health.ServerStats;
import lbmesh.shared.model.Pool;

/**
 * A pool as the proxy uses it: settings, the servers that take new requests (state `ready`) behind
 * the pool's balancer, and every server for status and passive health. Immutable; rebuilt on change.
 */
public final class PoolTable {
  /** Effective weight units per registry weight point; leaves room for slow start and agent scaling. */
  public static final int WEIGHT_SCALE = 100;

  private final Pool pool;
  private final ServerSlot[] eligible;
  private final List<ServerSlot> all;
  private final List<ServerStats> allStats;
  private final Balancer balancer;
  private final java.util.Map<String, ServerSlot> byId;
  private final java.util.Map<String, Integer> eligibleIndex;

  PoolTable(Pool pool, List<ServerSlot> servers) {
    this.pool = pool;
    this.all = List.copyOf(servers);
    this.allStats = all.stream().map(ServerSlot::stats).toList();
    List<ServerSlot> ready = new ArrayList<>();
    List<BalancedServer> balanced = new ArrayList<>();
    for (ServerSlot s : servers) {
      if (s.takesNewRequests() && s.effectiveWeight() > 0) {
        ready.add(s);
        balanced.add(new BalancedServer(s.id(), s.effectiveWeight()));
      }
    }
    this.eligible = ready.toArray(new ServerSlot[0]);
    java.util.Map<String, ServerSlot> ids = new java.util.HashMap<>();
    servers.forEach(s -> ids.put(s.id(), s));
    this.byId = java.util.Map.copyOf(ids);
    java.util.Map<String, Integer> idx = new java.util.HashMap<>();
    for (int i = 0; i < eligible.length; i++) {
      idx.put(eligible[i].id(), i);
    }
    this.eligibleIndex = java.util.Map.copyOf(idx);
    LoadView load = new LoadView() {
      @Override
      public long inflight(int index) {
        return eligible[index].stats().clusterInflight();
      }

      @Override
      public double latencyMillis(int index) {
        return eligible[index].stats().latencyMillis();
      }
    };
    this.balancer = Balancers.create(Algorithm.fromWire(pool.algorithm()), balanced, load,
        java.util.concurrent.ThreadLocalRandom::current, pool.hash().includeQuery());
  }

  public Pool pool() {
    return pool;
  }

  public String name() {
    return pool.name();
  }

  /** Servers taking new requests, indexed as the balancer's picks. */
  public ServerSlot eligible(int index) {
    return eligible[index];
  }

  public int eligibleCount() {
    return eligible.length;
  }

  /** Any server of the pool by id (drained ones included), or null. */
  public ServerSlot byId(String id) {
    return byId.get(id);
  }

  /** The balancer index of a server taking new requests, or -1. */
  public int eligibleIndex(String id) {
    Integer i = eligibleIndex.get(id);
    return i == null ? -1 : i;
  }

  public List<ServerSlot> all() {
    return all;
  }

  public List<ServerStats> allStats() {
    return allStats;
  }

  public Balancer balancer() {
    return balancer;
  }
}
