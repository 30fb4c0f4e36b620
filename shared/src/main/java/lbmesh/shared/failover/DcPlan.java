package lbmesh.shared.failover;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * The leader's data-center plan for one pool: the value of {@code plan/<pool>} in lb.failover and the
 * `plan` of {@code dc.failover} / {@code dc.failback} events.
 *
 * @param shares per source DC (where the gateway is), the share of its traffic each target DC takes
 *     (0..1, summing to 1); null for mode {@code any}: the gateway ignores DCs
 * @param activeDc for {@code active-standby}: the DC that takes the traffic now; null otherwise
 */
public record DcPlan(String pool, String mode, long epoch, Map<String, Map<String, Double>> shares, String activeDc) {

  public DcPlan {
    if (shares != null) {
      Map<String, Map<String, Double>> copy = new TreeMap<>();
      shares.forEach((src, targets) -> copy.put(src, java.util.Collections.unmodifiableMap(new TreeMap<>(targets))));
      shares = java.util.Collections.unmodifiableMap(copy);
    }
  }

  /** The shares for gateways in `sourceDc`, or null (no plan for it: use every DC). */
  public Map<String, Double> sharesFrom(String sourceDc) {
    return shares == null ? null : shares.get(sourceDc);
  }

  public DcPlan withEpoch(long e) {
    return new DcPlan(pool, mode, e, shares, activeDc);
  }

  /** Same plan, whatever epoch made it. */
  public boolean sameDecision(DcPlan o) {
    return o != null && withEpoch(0).equals(o.withEpoch(0));
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("pool", pool).put("mode", mode).put("epoch", epoch);
    if (shares == null) {
      j.putNull("shares");
    } else {
      JsonObject s = new JsonObject();
      shares.forEach((src, targets) -> {
        JsonObject t = new JsonObject();
        targets.forEach(t::put);
        s.put(src, t);
      });
      j.put("shares", s);
    }
    if (activeDc != null) {
      j.put("activeDc", activeDc);
    }
    return j;
  }

  public static DcPlan fromJson(JsonObject j) {
    JsonObject s = j.getJsonObject("shares");
    Map<String, Map<String, Double>> shares = null;
    if (s != null) {
      shares = new TreeMap<>();
      for (String src : s.fieldNames()) {
        Map<String, Double> t = new TreeMap<>();
        JsonObject targets = s.getJsonObject(src);
        targets.fieldNames().forEach(dc -> t.put(dc, targets.getDouble(dc)));
        shares.put(src, t);
      }
    }
    return new DcPlan(j.getString("pool"), j.getString("mode"), j.getLong("epoch", 0L), shares,
        j.getString("activeDc"));
  }
}
