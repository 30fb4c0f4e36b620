package lbmesh.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import lbmesh.gateway.admin.GatewayMetrics;
import lbmesh.gateway.health.ServerStats;
import lbmesh.gateway.proxy.RetryBudget;
import lbmesh.gateway.route.RoutingTable;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.RegistrySnapshot;

/**
 * What the gateway's event loops share: the current routing table (swapped atomically), each server's
 * live stats, the retry budget and the metrics. Written by one place each, read everywhere.
 */
public final class GatewayState {
  private final AtomicReference<RoutingTable> table = new AtomicReference<>(RoutingTable.EMPTY);
  private final Map<String, ServerStats> stats = RoutingTable.newStatsMap();
  private final RetryBudget retryBudget;
  private final GatewayMetrics metrics;
  private final GatewayConfig config;
  private final Vertx vertx;
  private final String nodeId;
  private final String dc;
  private volatile lbmesh.gateway.sticky.StickStore stickStore = new lbmesh.gateway.sticky.LocalStickStore();
  private volatile lbmesh.gateway.sticky.StickyCookie stickyCookie =
      new lbmesh.gateway.sticky.StickyCookie(java.util.UUID.randomUUID().toString().getBytes());

  public GatewayState(Vertx vertx, GatewayConfig config, String nodeId, String dc) {
    this.vertx = vertx;
    this.config = config;
    this.nodeId = nodeId;
    this.dc = dc;
    this.retryBudget = new RetryBudget(config.retryBudgetPercent(), config.minRetriesPerSecond());
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    this.metrics = new GatewayMetrics(registry == null ? new SimpleMeterRegistry() : registry);
  }

  public RoutingTable table() {
    return table.get();
  }

  private final Map<String, HealthRecord> health = new java.util.concurrent.ConcurrentHashMap<>();
  private RegistrySnapshot snapshot;

  /** Rebuilds the routing table from a registry snapshot and swaps it in (off the request path). */
  public synchronized void install(RegistrySnapshot snapshot) {
    this.snapshot = snapshot;
    rebuild();
  }

  /** Takes many verdicts at once (at start) with one rebuild. */
  public synchronized void health(java.util.Collection<HealthRecord> all) {
    all.forEach(h -> health.put(h.key(), h));
    rebuild();
  }

  /** Takes a server's new health verdict (or agent weight) and rebuilds the table. */
  public synchronized void health(HealthRecord h) {
    health.put(h.key(), h);
    rebuild();
  }

  /** An agent's pushed weight percentage, kept with whatever verdict health-service gave. */
  public synchronized void pushedWeight(String pool, String id, int percent) {
    HealthRecord h = health.get(HealthRecord.key(pool, id));
    health.put(HealthRecord.key(pool, id), h == null
        ? new HealthRecord(pool, id, HealthRecord.UNKNOWN, "load report", 0, percent, null, null)
        : h.withWeightPercent(percent));
    rebuild();
  }

  /** Rebuilds from the last snapshot: health changed, or slow start moved on. */
  public synchronized void rebuild() {
    if (snapshot == null) {
      return;
    }
    RoutingTable t = RoutingTable.build(snapshot, stats, health, System.currentTimeMillis());
    metrics.bind(t);
    table.set(t);
  }

  public boolean loaded() {
    return table.get() != RoutingTable.EMPTY;
  }

  public Map<String, ServerStats> stats() {
    return stats;
  }

  public RetryBudget retryBudget() {
    return retryBudget;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public GatewayConfig config() {
    return config;
  }

  public lbmesh.gateway.sticky.StickStore stickStore() {
    return stickStore;
  }

  public lbmesh.gateway.sticky.StickyCookie stickyCookie() {
    return stickyCookie;
  }

  /** Installs the cluster-wide stick tables and cookie secret (set once at start). */
  public void sticky(lbmesh.gateway.sticky.StickStore store, lbmesh.gateway.sticky.StickyCookie cookie) {
    this.stickStore = store;
    this.stickyCookie = cookie;
  }

  public Vertx vertx() {
    return vertx;
  }

  public String nodeId() {
    return nodeId;
  }

  private volatile Map<String, lbmesh.gateway.failover.DcChoice> locality = Map.of();

  /**
   * Takes the failover leader's DC plans: each pool's choice of DC for this gateway's DC. A pool with no
   * plan (mode `any`, or no failover-service running) uses every DC alike.
   */
  public void plans(Map<String, lbmesh.shared.failover.DcPlan> plans) {
    Map<String, lbmesh.gateway.failover.DcChoice> m = new java.util.HashMap<>();
    plans.forEach((pool, plan) -> {
      var choice = lbmesh.gateway.failover.DcChoice.of(plan.sharesFrom(dc));
      if (choice != null) {
        m.put(pool, choice);
      }
    });
    locality = Map.copyOf(m);
  }

  /** The DC choice for requests to `pool`, or null: any DC. */
  public lbmesh.gateway.failover.DcChoice locality(String pool) {
    return locality.get(pool);
  }

  public String dc() {
    return dc;
  }

  /** Publishes a cluster event from this gateway. */
  public void publish(EventType type, JsonObject data) {
    vertx.eventBus().publish(Addresses.EVENTS, Event.of(type, nodeId, dc, data).toJson());
  }

}
