package lbmesh.shared.failover;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;

/**
 * Computes a pool's {@link DcPlan} from its servers' capacity: a pure function (no clock, no I/O).
 *
 * <p>{@code local-first} follows Envoy's priority levels with an overprovisioning factor of 1.4: for a
 * gateway in DC d, P0 is d's servers and P1 every other DC's; health(Pk) = min(1, 1.4 x healthy weight /
 * total weight). If health(P0) + health(P1) >= 1, P0 takes health(P0) and P1 the rest; otherwise both
 * are normalised; if both are 0 ("panic") traffic spreads over every DC by total weight. P1's share is
 * split over the other DCs by healthy weight.
 *
 * <p>{@code active-standby}: the primary DC takes everything while `primaryUsable` (the leader's
 * failback timer decides that), else the standby DCs by healthy weight. {@code any}: no shares.
 */
public final class DcPlanner {
  public static final String ANY = "any";
  public static final String LOCAL_FIRST = "local-first";
  public static final String ACTIVE_STANDBY = "active-standby";
  /** Envoy's default overprovisioning factor: a level at 1/1.4 (71 %) healthy still takes all its traffic. */
  public static final double OVERPROVISIONING = 1.4;

  /** One server as the planner sees it: its DC, weight, and whether it takes new traffic now. */
  public record Capacity(String dc, int weight, boolean healthy) {
    /**
     * A registered server with its health verdict (null: none yet). Counts as capacity when it takes new
     * requests, as the gateway decides it: state ready, not reported down, and its agent (if any) says
     * ready; `unknown` health counts as healthy, like in the gateway.
     */
    public static Capacity of(Server s, HealthRecord h) {
      boolean healthy = s.state() == Server.State.READY && (h == null
          || (!h.isDown() && (h.agentState() == null || "ready".equals(h.agentState()))));
      return new Capacity(s.dc(), s.weight(), healthy);
    }
  }

  private DcPlanner() {
  }

  /**
   * The plan for `pool`; `sourceDcs` are the DCs with gateways (plans are also made for every DC with
   * servers). Epoch 0: the leader stamps its own.
   */
  public static DcPlan plan(String pool, Pool.Locality locality, List<Capacity> servers, Collection<String> sourceDcs,
      boolean primaryUsable) {
    String mode = locality.mode();
    TreeSet<String> sources = new TreeSet<>(sourceDcs);
    servers.forEach(c -> sources.add(c.dc()));
    Map<String, Double> total = new TreeMap<>();
    Map<String, Double> healthy = new TreeMap<>();
    for (Capacity c : servers) {
      total.merge(c.dc(), (double) c.weight(), Double::sum);
      healthy.merge(c.dc(), c.healthy() ? c.weight() : 0.0, Double::sum);
    }
    return switch (mode) {
      case LOCAL_FIRST -> {
        Map<String, Map<String, Double>> shares = new TreeMap<>();
        for (String d : sources) {
          shares.put(d, localFirst(d, total, healthy));
        }
        yield new DcPlan(pool, mode, 0, shares, null);
      }
      case ACTIVE_STANDBY -> activeStandby(pool, locality.primaryDc(), sources, healthy, primaryUsable);
      default -> new DcPlan(pool, mode, 0, null, null);
    };
  }

  /** Whether `dc` has any healthy weight among `servers`. */
  public static boolean hasHealthyCapacity(List<Capacity> servers, String dc) {
    return servers.stream().anyMatch(c -> c.healthy() && c.weight() > 0 && c.dc().equals(dc));
  }

  static double levelHealth(double healthyWeight, double totalWeight) {
    return totalWeight <= 0 ? 0 : Math.min(1.0, OVERPROVISIONING * healthyWeight / totalWeight);
  }

  private static Map<String, Double> localFirst(String d, Map<String, Double> total, Map<String, Double> healthy) {
    double t0 = total.getOrDefault(d, 0.0);
    double h0w = healthy.getOrDefault(d, 0.0);
    double t1 = 0;
    double h1w = 0;
    for (String dc : total.keySet()) {
      if (!dc.equals(d)) {
        t1 += total.get(dc);
        h1w += healthy.get(dc);
      }
    }
    double h0 = levelHealth(h0w, t0);
    double h1 = levelHealth(h1w, t1);
    Map<String, Double> out = new TreeMap<>();
    if (h0 + h1 <= 0) {
      // panic: nothing healthy anywhere; spread by configured weight, as Envoy does
      double all = t0 + t1;
      total.forEach((dc, w) -> put(out, dc, all <= 0 ? 0 : w / all));
      return out;
    }
    double s0;
    double s1;
    if (h0 + h1 >= 1) {
      s0 = h0;
      s1 = 1 - h0;
    } else {
      s0 = h0 / (h0 + h1);
      s1 = h1 / (h0 + h1);
    }
    put(out, d, s0);
    if (s1 > 0 && h1w > 0) {
      for (String dc : total.keySet()) {
        if (!dc.equals(d)) {
          put(out, dc, s1 * healthy.get(dc) / h1w);
        }
      }
    }
    return out;
  }

  private static DcPlan activeStandby(String pool, String primary, TreeSet<String> sources,
      Map<String, Double> healthy, boolean primaryUsable) {
    Map<String, Double> targets = new TreeMap<>();
    String activeDc = primary;
    double standby = 0;
    for (Map.Entry<String, Double> e : healthy.entrySet()) {
      if (!e.getKey().equals(primary)) {
        standby += e.getValue();
      }
    }
    if (primaryUsable || standby <= 0) {
      // the primary takes it all while usable, and also when no standby has anything healthy either
      put(targets, primary, 1.0);
    } else {
      double best = -1;
      for (Map.Entry<String, Double> e : healthy.entrySet()) {
        if (!e.getKey().equals(primary) && e.getValue() > 0) {
          put(targets, e.getKey(), e.getValue() / standby);
          if (e.getValue() > best) {
            best = e.getValue();
            activeDc = e.getKey();
          }
        }
      }
    }
    Map<String, Map<String, Double>> shares = new HashMap<>();
    for (String s : sources) {
      shares.put(s, targets);
    }
    return new DcPlan(pool, ACTIVE_STANDBY, 0, shares, activeDc);
  }

  /** Rounds to 4 decimals so that a recomputation with the same inputs is the same plan. */
  private static void put(Map<String, Double> out, String dc, double share) {
    double r = Math.round(share * 10_000) / 10_000.0;
    if (r > 0) {
      out.put(dc, r);
    }
  }
}
