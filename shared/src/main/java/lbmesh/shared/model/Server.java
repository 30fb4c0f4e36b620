package lbmesh.shared.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import lbmesh.shared.cluster.ClusterSettings;

/** A backend server of a pool. Built only from a document that passed {@link Schemas#SERVER}. */
public record Server(
    String id,
    String host,
    int port,
    int weight,
    String dc,
    String zone,
    Integer agentPort,
    int maxConnections,
    List<String> tags,
    State state,
    long version) {

  public static final int DEFAULT_WEIGHT = 1;

  /** Administrative state: `ready`, `drain` (no new clients, sticky ones still served), `maint` (no traffic). */
  public enum State {
    READY, DRAIN, MAINT;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static State fromWire(String s) {
      return valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
  }

  public Server {
    tags = tags == null ? List.of() : List.copyOf(tags);
  }

  /** Validates a server document and builds the server; `id` is the id to use (from the path or generated). */
  public static Server parse(String id, JsonObject doc) {
    Object given = doc.getValue("id");
    if (given != null && !given.equals(id)) {
      throw new InvalidModelException("id", "does not match the server in the path ('" + id + "')");
    }
    JsonObject full = doc.copy().put("id", id);
    Schemas.check(Schemas.SERVER, full);
    return fromJson(full);
  }

  public static Server fromJson(JsonObject j) {
    JsonArray tags = j.getJsonArray("tags");
    List<String> t = new ArrayList<>();
    if (tags != null) {
      tags.forEach(o -> t.add((String) o));
    }
    return new Server(
        j.getString("id"),
        j.getString("host"),
        j.getInteger("port"),
        j.getInteger("weight", DEFAULT_WEIGHT),
        j.getString("dc", ClusterSettings.DEFAULT_DC),
        j.getString("zone"),
        j.getInteger("agentPort"),
        j.getInteger("maxConnections", 0),
        t,
        State.fromWire(j.getString("state", "ready")),
        j.getLong("version", 0L));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("host", host)
        .put("port", port)
        .put("weight", weight)
        .put("dc", dc)
        .put("zone", zone)
        .put("agentPort", agentPort)
        .put("maxConnections", maxConnections)
        .put("tags", new JsonArray(new ArrayList<>(tags)))
        .put("state", state.wire())
        .put("version", version);
  }

  public Server withVersion(long v) {
    return new Server(id, host, port, weight, dc, zone, agentPort, maxConnections, tags, state, v);
  }

  /** `host:port`, the identity two servers of one pool must not share. */
  public String address() {
    return host + ":" + port;
  }
}
