package lbmesh.gateway.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import lbmesh.gateway.health.ServerStats;
import lbmesh.gateway.route.RoutingTable;
import lbmesh.gateway.route.ServerSlot;

/**
 * The gateway's Prometheus series, per pool and per server: requests by status class, upstream
 * latency, upstream errors by kind, in-flight, retries, ejections and 503s. Meters are looked up once
 * per server (at routing-table build), not per request.
 */
public final class GatewayMetrics {
  private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

  /** A server's meters. */
  public record ServerMeters(Counter[] byClass, Timer latency, Counter connectErrors, Counter timeouts,
      Counter resets) {
    public void response(int status, long nanos) {
      int c = status / 100 - 1;
      if (c >= 0 && c < 5) {
        byClass[c].increment();
      }
      latency.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  private final MeterRegistry registry;
  private final Map<String, ServerMeters> servers = new ConcurrentHashMap<>();
  private final Map<String, Counter> unavailable = new ConcurrentHashMap<>();
  private final Counter retries;
  private final Counter ejections;

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.retries = Counter.builder("lb_retries_total").description("requests retried on another server")
        .register(registry);
    this.ejections = Counter.builder("lb_outlier_ejections_total").description("passive-health ejections")
        .register(registry);
  }

  /** Creates the meters of every server in the table (idempotent). */
  public void bind(RoutingTable table) {
    table.pools().values().forEach(p -> p.all().forEach(this::meters));
  }

  public ServerMeters meters(ServerSlot slot) {
    ServerStats st = slot.stats();
    if (st.meters() instanceof ServerMeters m) {
      return m;
    }
    ServerMeters m = servers.computeIfAbsent(RoutingTable.statsKey(st.pool(), st.id()), k -> {
      String pool = st.pool();
      String id = st.id();
      Counter[] byClass = new Counter[5];
      for (int i = 0; i < 5; i++) {
        byClass[i] = Counter.builder("lb_requests_total").description("requests answered by a server")
            .tag("pool", pool).tag("server", id).tag("code", CLASSES[i]).register(registry);
      }
      Gauge.builder("lb_server_inflight", st, ServerStats::inflight).description("requests in flight (this gateway)")
          .tag("pool", pool).tag("server", id).register(registry);
      return new ServerMeters(byClass,
          Timer.builder("lb_upstream_latency_seconds").description("time to the end of the server's answer")
              .tag("pool", pool).tag("server", id).publishPercentileHistogram(false).register(registry),
          error(pool, id, "connect"), error(pool, id, "timeout"), error(pool, id, "reset"));
    });
    st.meters(m);
    return m;
  }

  private Counter error(String pool, String id, String kind) {
    return Counter.builder("lb_upstream_errors_total").description("failed attempts towards a server")
        .tag("pool", pool).tag("server", id).tag("kind", kind).register(registry);
  }

  public void unavailable(String pool) {
    unavailable.computeIfAbsent(pool, p -> Counter.builder("lb_unavailable_total")
        .description("requests answered 503: no server could take them").tag("pool", p).register(registry))
        .increment();
  }

  public void retry() {
    retries.increment();
  }

  public void ejection() {
    ejections.increment();
  }
}
