package lbmesh.gateway.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;
import lbmesh.gateway.health.ServerStats;
import lbmesh.shared.cluster.ClusterBootstrap;
import lbmesh.shared.cluster.MemberInfo;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.inflight.InflightBoard;
import lbmesh.shared.inflight.InflightReport;

/**
 * Shares in-flight counts between gateways: every interval this gateway publishes what changed in its
 * own counts (a full table every {@link InflightReport#FULL_EVERY} intervals) on {@code lb.inflight},
 * and folds the others' reports into each server's {@link ServerStats#remoteInflight}. One message per
 * gateway per interval, whatever the request rate. Runs on one event loop.
 */
public final class InflightShare {
  private static final Logger LOG = Logger.getLogger(InflightShare.class.getName());

  private final Vertx vertx;
  private final Map<String, ServerStats> stats;
  private final String nodeId;
  private final String dc;
  private final int intervalMs;
  private final InflightBoard board;
  private final Map<String, Integer> lastSent = new HashMap<>();
  private long seq;

  public InflightShare(Vertx vertx, Map<String, ServerStats> stats, String nodeId, String dc, int intervalMs) {
    this.vertx = vertx;
    this.stats = stats;
    this.nodeId = nodeId;
    this.dc = dc;
    this.intervalMs = intervalMs;
    this.board = new InflightBoard(nodeId, (key, total) -> {
      ServerStats s = stats.get(key);
      if (s != null) {
        s.remoteInflight(total);
      }
    });
  }

  public InflightBoard board() {
    return board;
  }

  /** Starts publishing and listening; interval 0 switches sharing off (each gateway counts alone). */
  public void start() {
    if (intervalMs <= 0) {
      LOG.info("in-flight sharing is off (LB_SHARE_INTERVAL_MS=0)");
      return;
    }
    Context ctx = vertx.getOrCreateContext();
    vertx.eventBus().<JsonObject>consumer(Addresses.INFLIGHT,
        m -> board.accept(InflightReport.fromJson(m.body()), System.currentTimeMillis()));
    vertx.setPeriodic(intervalMs, id -> {
      publish();
      board.expire(System.currentTimeMillis());
    });
    if (vertx.isClustered()) {
      ClusterBootstrap.hazelcast(vertx).getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent e) {
          // a new gateway is learned from its first report
        }

        @Override
        public void memberRemoved(MembershipEvent e) {
          String node = MemberInfo.of(e.getMember()).nodeId();
          ctx.runOnContext(v -> board.drop(node));
        }
      });
    }
  }

  /** Servers that are new since a routing-table rebuild pick up the others' counts. */
  public void refreshRemote() {
    stats.forEach((k, s) -> s.remoteInflight(board.total(k)));
  }

  void publish() {
    boolean full = seq % InflightReport.FULL_EVERY == 0;
    Map<String, Integer> out = new HashMap<>();
    Map<String, Integer> now = new HashMap<>();
    Map<String, Long> requests = new HashMap<>();
    stats.forEach((k, s) -> {
      int n = s.inflight();
      if (n != 0) {
        now.put(k, n);
      }
      long q = full ? s.requests() : 0;
      if (q > 0) {
        requests.put(k, q);
      }
    });
    if (full) {
      out.putAll(now);
    } else {
      now.forEach((k, n) -> {
        if (!n.equals(lastSent.get(k))) {
          out.put(k, n);
        }
      });
      lastSent.forEach((k, n) -> {
        if (!now.containsKey(k)) {
          out.put(k, 0);
        }
      });
    }
    lastSent.clear();
    lastSent.putAll(now);
    InflightReport r = new InflightReport(nodeId, dc, seq++, full, intervalMs, out, requests);
    vertx.eventBus().publish(Addresses.INFLIGHT, r.toJson());
  }
}
