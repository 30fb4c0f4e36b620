package lbmesh.shared.inflight;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * One gateway's periodic in-flight report on {@code lb.inflight}: a full table every
 * {@link #FULL_EVERY} intervals and, in between, only the entries that changed (a changed entry that
 * fell to zero is sent as 0). Its size follows the number of busy servers, never the request rate.
 *
 * <p>A full report also carries {@code requests}: the gateway's running total of requests sent to each
 * server it has used, from which a receiver derives requests per second (two full reports apart).
 *
 * <p>Wire form: {@code {"g": nodeId, "dc": dc, "s": seq, "f": full, "i": intervalMs, "c": {"pool/id": n},
 * "q": {"pool/id": total}}} ("q" only in full reports).
 */
public record InflightReport(String gateway, String dc, long seq, boolean full, int intervalMs,
    Map<String, Integer> counts, Map<String, Long> requests) {

  /** A full table every this many intervals lets a receiver that missed a delta (or joined late) recover. */
  public static final int FULL_EVERY = 10;

  public InflightReport {
    counts = Map.copyOf(counts);
    requests = requests == null ? Map.of() : Map.copyOf(requests);
  }

  /** A report without request totals (a delta, or a sender that does not count requests). */
  public InflightReport(String gateway, String dc, long seq, boolean full, int intervalMs,
      Map<String, Integer> counts) {
    this(gateway, dc, seq, full, intervalMs, counts, Map.of());
  }

  /** The key of a server in reports: `pool/id`. */
  public static String key(String pool, String id) {
    return pool + "/" + id;
  }

  public JsonObject toJson() {
    JsonObject c = new JsonObject();
    counts.forEach(c::put);
    JsonObject j = new JsonObject().put("g", gateway).put("dc", dc).put("s", seq).put("f", full)
        .put("i", intervalMs).put("c", c);
    if (!requests.isEmpty()) {
      JsonObject q = new JsonObject();
      requests.forEach(q::put);
      j.put("q", q);
    }
    return j;
  }

  public static InflightReport fromJson(JsonObject j) {
    Map<String, Integer> counts = new HashMap<>();
    JsonObject c = j.getJsonObject("c", new JsonObject());
    for (String k : c.fieldNames()) {
      counts.put(k, c.getInteger(k));
    }
    Map<String, Long> requests = new HashMap<>();
    JsonObject q = j.getJsonObject("q", new JsonObject());
    for (String k : q.fieldNames()) {
      requests.put(k, q.getLong(k));
    }
    return new InflightReport(j.getString("g"), j.getString("dc"), j.getLong("s", 0L), j.getBoolean("f", true),
        j.getInteger("i", 100), counts, requests);
  }
}
