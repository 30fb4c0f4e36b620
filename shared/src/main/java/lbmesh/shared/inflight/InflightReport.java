package lbmesh.shared.inflight;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * One gateway's periodic in-flight report on {@code lb.inflight}: a full table every
 * {@link #FULL_EVERY} intervals and, in between, only the entries that changed (a changed entry that
 * fell to zero is sent as 0). Its size follows the number of busy servers, never the request rate.
 *
 * <p>Wire form: {@code {"g": nodeId, "dc": dc, "s": seq, "f": full, "i": intervalMs, "c": {"pool/id": n}}}.
 */
public record InflightReport(String gateway, String dc, long seq, boolean full, int intervalMs,
    Map<String, Integer> counts) {

  /** A full table every this many intervals lets a receiver that missed a delta (or joined late) recover. */
  public static final int FULL_EVERY = 10;

  public InflightReport {
    counts = Map.copyOf(counts);
  }

  /** The key of a server in reports: `pool/id`. */
  public static String key(String pool, String id) {
    return pool + "/" + id;
  }

  public JsonObject toJson() {
    JsonObject c = new JsonObject();
    counts.forEach(c::put);
    return new JsonObject().put("g", gateway).put("dc", dc).put("s", seq).put("f", full).put("i", intervalMs)
        .put("c", c);
  }

  public static InflightReport fromJson(JsonObject j) {
    Map<String, Integer> counts = new HashMap<>();
    JsonObject c = j.getJsonObject("c", new JsonObject());
    for (String k : c.fieldNames()) {
      counts.put(k, c.getInteger(k));
    }
    return new InflightReport(j.getString("g"), j.getString("dc"), j.getLong("s", 0L), j.getBoolean("f", true),
        j.getInteger("i", 100), counts);
  }
}
