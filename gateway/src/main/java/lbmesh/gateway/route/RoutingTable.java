package lbmesh.gateway.route;

import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import lbmesh.gateway.health.ServerStats;
import lbmesh.shared.health.EffectiveWeight;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.RegistrySnapshot;
import lbmesh.shared.model.Route;
import lbmesh.shared.model.Server;

/**
 * The immutable table the proxy reads on every request: routes in match order and a {@link PoolTable}
 * per pool. Built off the hot path from a registry snapshot and swapped atomically.
 */
public final class RoutingTable {
  public static final RoutingTable EMPTY = new RoutingTable(-1, List.of(), Map.of());

  private final long version;
  private final List<Route> routes;
  private final Map<String, PoolTable> pools;

  private RoutingTable(long version, List<Route> routes, Map<String, PoolTable> pools) {
    this.version = version;
    this.routes = routes;
    this.pools = pools;
  }

  /**
   * Builds the table; `stats` keeps each server's live counters across rebuilds (entries of servers that
   * are gone are dropped from it).
   */
  public static RoutingTable build(RegistrySnapshot snapshot, Map<String, ServerStats> stats) {
    return build(snapshot, stats, Map.of(), System.currentTimeMillis());
  }

  /**
   * As above, with each server's health (keyed `pool/id`): down servers take no requests, an agent's
   * weight percentage scales the weight, and a recovered server ramps up over the pool's slowStartSeconds.
   */
  public static RoutingTable build(RegistrySnapshot snapshot, Map<String, ServerStats> stats,
      Map<String, HealthRecord> health, long now) {
    Map<String, PoolTable> pools = new HashMap<>();
    Map<String, Boolean> live = new HashMap<>();
    for (RegistrySnapshot.PoolEntry e : snapshot.pools().values()) {
      List<ServerSlot> slots = new ArrayList<>();
      for (Server s : e.servers().values()) {
        String key = statsKey(e.pool().name(), s.id());
        live.put(key, true);
        ServerStats st = stats.computeIfAbsent(key, k -> new ServerStats(e.pool().name(), s.id()));
        HealthRecord h = health.get(key);
        slots.add(new ServerSlot(ServerSlot.withLimitInForce(s, h), SocketAddress.inetSocketAddress(s.port(), s.host()),
            st, h, effectiveWeight(s, h, e.pool().slowStartSeconds(), now)));
      }
      pools.put(e.pool().name(), new PoolTable(e.pool(), slots));
    }
    stats.keySet().removeIf(k -> !live.containsKey(k));
    List<Route> routes = new ArrayList<>(snapshot.routes().values());
    // host-specific routes before host-less ones, then the longest prefix first
    routes.sort(Comparator.comparing((Route r) -> r.host() == null)
        .thenComparing(r -> -r.pathPrefix().length())
        .thenComparing(Route::name));
    return new RoutingTable(snapshot.version(), List.copyOf(routes), Map.copyOf(pools));
  }

  /** {@link EffectiveWeight} in {@link PoolTable#WEIGHT_SCALE} units (down servers are excluded elsewhere). */
  public static int effectiveWeight(Server s, HealthRecord h, int slowStartSeconds, long now) {
    HealthRecord forWeight = h != null && h.isDown() ? null : h;
    return (int) Math.round(EffectiveWeight.of(s, forWeight, slowStartSeconds, now) * PoolTable.WEIGHT_SCALE);
  }

  /** True when slow start has moved some server's weight on since this table was built. */
  public boolean ramping(long now) {
    for (PoolTable p : pools.values()) {
      int window = p.pool().slowStartSeconds();
      if (window <= 0) {
        continue;
      }
      for (ServerSlot s : p.all()) {
        if (s.effectiveWeight() != effectiveWeight(s.server(), s.health(), window, now)) {
          return true;
        }
      }
    }
    return false;
  }

  public static String statsKey(String pool, String id) {
    // the same key as the in-flight reports, so their counts find the server
    return lbmesh.shared.inflight.InflightReport.key(pool, id);
  }

  public static Map<String, ServerStats> newStatsMap() {
    return new ConcurrentHashMap<>();
  }

  public long version() {
    return version;
  }

  public Map<String, PoolTable> pools() {
    return pools;
  }

  public List<Route> routes() {
    return routes;
  }

  /** The pool for a request: the first matching route's, else pool `default`; null when that pool is absent. */
  public PoolTable match(String hostHeader, String path) {
    if (!routes.isEmpty()) {
      String host = hostHeader == null ? "" : hostHeader.toLowerCase(Locale.ROOT);
      String hostNoPort = stripPort(host);
      for (Route r : routes) {
        if ((r.host() == null || hostMatches(r.host().toLowerCase(Locale.ROOT), host, hostNoPort))
            && path.startsWith(r.pathPrefix())) {
          return pools.get(r.pool());
        }
      }
    }
    return pools.get(Pool.DEFAULT_POOL);
  }

  private static boolean hostMatches(String pattern, String host, String hostNoPort) {
    String candidate = pattern.indexOf(':') >= 0 ? host : hostNoPort;
    if (pattern.startsWith("*.")) {
      return candidate.endsWith(pattern.substring(1));
    }
    return candidate.equals(pattern);
  }

  private static String stripPort(String host) {
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end > 0 ? host.substring(0, end + 1) : host;
    }
    int colon = host.lastIndexOf(':');
    return colon > 0 ? host.substring(0, colon) : host;
  }
}
