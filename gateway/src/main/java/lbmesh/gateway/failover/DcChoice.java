package lbmesh.gateway.failover;

import java.util.Map;

/**
 * The failover leader's data-center plan for one pool, as seen from this gateway's DC: which DC a new
 * request goes to, drawn in proportion to the plan's shares. Immutable; built off the request path.
 */
public final class DcChoice {
  private final String[] dcs;
  private final double[] cumulative;

  private DcChoice(String[] dcs, double[] cumulative) {
    this.dcs = dcs;
    this.cumulative = cumulative;
  }

  /** The choice for shares {targetDc: share}; null when the plan gives no DC a positive share (any DC). */
  public static DcChoice of(Map<String, Double> shares) {
    if (shares == null) {
      return null;
    }
    // in name order, so that every gateway draws the same DC for the same random number
    var positive = shares.entrySet().stream().filter(e -> e.getValue() != null && e.getValue() > 0)
        .sorted(Map.Entry.comparingByKey()).toList();
    double total = positive.stream().mapToDouble(Map.Entry::getValue).sum();
    if (positive.isEmpty() || total <= 0) {
      return null;
    }
    String[] dcs = new String[positive.size()];
    double[] cumulative = new double[positive.size()];
    double sum = 0;
    for (int i = 0; i < dcs.length; i++) {
      dcs[i] = positive.get(i).getKey();
      sum += positive.get(i).getValue() / total;
      cumulative[i] = sum;
    }
    cumulative[dcs.length - 1] = 1.0;
    return new DcChoice(dcs, cumulative);
  }

  /** The DC for a uniform random `r` in [0, 1). */
  public String pick(double r) {
    for (int i = 0; i < dcs.length - 1; i++) {
      if (r < cumulative[i]) {
        return dcs[i];
      }
    }
    return dcs[dcs.length - 1];
  }

  /** The share of requests `dc` gets (0 when none). */
  public double share(String dc) {
    double prev = 0;
    for (int i = 0; i < dcs.length; i++) {
      if (dcs[i].equals(dc)) {
        return cumulative[i] - prev;
      }
      prev = cumulative[i];
    }
    return 0;
  }
}
