package lbmesh.shared.event;

import io.vertx.core.json.JsonObject;

/**
 * The envelope of every cluster event (DESIGN.md, Public contract):
 * {@code {"type", "ts", "node", "dc", "epoch"?, "version"?, "data"}}.
 *
 * @param epoch the failover leader's fencing epoch, on leader decisions; null otherwise
 * @param version the registry version after the change, on registry events; null otherwise
 */
public record Event(String type, long ts, String node, String dc, Long epoch, Long version, JsonObject data) {

  public Event {
    if (type == null || type.isEmpty()) {
      throw new IllegalArgumentException("event type is required");
    }
    data = data == null ? new JsonObject() : data;
  }

  public static Event of(EventType type, String node, String dc, JsonObject data) {
    return new Event(type.wire(), System.currentTimeMillis(), node, dc, null, null, data);
  }

  public Event withVersion(long v) {
    return new Event(type, ts, node, dc, epoch, v, data);
  }

  public Event withEpoch(long e) {
    return new Event(type, ts, node, dc, e, version, data);
  }

  /** The known type, or null for a type this build does not know. */
  public EventType knownType() {
    return EventType.fromWire(type);
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("type", type).put("ts", ts).put("node", node).put("dc", dc);
    if (epoch != null) {
      j.put("epoch", epoch);
    }
    if (version != null) {
      j.put("version", version);
    }
    return j.put("data", data);
  }

  public static Event fromJson(JsonObject j) {
    return new Event(
        j.getString("type"),
        j.getLong("ts", 0L),
        j.getString("node"),
        j.getString("dc"),
        j.getLong("epoch"),
        j.getLong("version"),
        j.getJsonObject("data"));
  }
}
