package lbmesh.gateway.proxy;

import java.util.concurrent.ThreadLocalRandom;
import lbmesh.gateway.balance.PickRequest;
import lbmesh.gateway.failover.DcChoice;
import lbmesh.gateway.route.PoolTable;
import lbmesh.gateway.route.ServerSlot;

/**
 * The servers one client request may still go to: the pool's algorithm picks among those not tried
 * yet that have room, in the data center the failover leader's plan drew for this request first. Used
 * by plain requests (first try and retries) and WebSocket upgrades alike. Not thread-safe: one request's
 * event loop.
 */
final class ServerChoice {
  private final PoolTable pool;
  private final PickRequest request;
  private final boolean[] tried;
  private final long now;
  /** The data center this request goes to under the plan; null: any. */
  private String dc;

  ServerChoice(PoolTable pool, PickRequest request, DcChoice locality, long nowMillis) {
    this.pool = pool;
    this.request = request;
    this.tried = new boolean[pool.eligibleCount()];
    this.now = nowMillis;
    this.dc = locality == null ? null : locality.pick(ThreadLocalRandom.current().nextDouble());
  }

  private boolean usable(int i) {
    if (tried[i]) {
      return false;
    }
    ServerSlot s = pool.eligible(i);
    return (dc == null || dc.equals(s.server().dc())) && s.hasRoom(now);
  }

  /** The algorithm's pick among usable servers (not taken yet), or null when none is left. */
  ServerSlot pick() {
    int idx = pool.balancer().pick(request, this::usable);
    if (idx < 0 && dc != null) {
      // the plan's DC has no server that can take it (this gateway saw them fail before the leader
      // did): any other DC rather than an error
      dc = null;
      idx = pool.balancer().pick(request, this::usable);
    }
    return idx < 0 ? null : pool.eligible(idx);
  }

  /** True when this request already went to `slot`. */
  boolean tried(ServerSlot slot) {
    int idx = pool.eligibleIndex(slot.id());
    return idx >= 0 && tried[idx];
  }

  /** Takes an in-flight slot on `slot` (which is then tried); false when it is full. */
  boolean take(ServerSlot slot) {
    int idx = pool.eligibleIndex(slot.id());
    if (idx >= 0) {
      tried[idx] = true;
    }
    return slot.stats().tryBegin(slot.server().maxConnections());
  }

  /** The next server with its in-flight slot taken, or null when no server can take the request. */
  ServerSlot next() {
    while (true) {
      ServerSlot s = pick();
      if (s == null) {
        return null;
      }
      // the balancer saw room; another event loop may have taken it since
      if (take(s)) {
        return s;
      }
    }
  }
}
