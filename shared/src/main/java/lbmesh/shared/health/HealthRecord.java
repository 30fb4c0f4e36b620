package lbmesh.shared.health;

import io.vertx.core.json.JsonObject;
import lbmesh.shared.event.EventType;

/**
 * A server's health verdict as health-service publishes it: the value in IMap {@code lb.health} (key
 * `pool/id`) and the data of {@code health.up} / {@code health.down} / {@code load.changed} events.
 *
 * @param status `up`, `down` or `unknown` (no verdict yet)
 * @param since when the current status began (epoch ms): the start of slow start after a recovery
 * @param weightPercent the agent's weight percentage (HAProxy `NN%`), null when no agent said one
 * @param agentState the agent's administrative word (`ready`, `drain`, `maint`), null when none
 * @param checkedBy the node id of the health-service instance that owns this server's checks
 * @param agentMaxConnections the agent's connection limit (HAProxy `maxconn:N`, JSON `maxConnections`): 0 means
 *     none, null when no agent said one; the gateways enforce the lower of it and the registry's maxConnections
 */
public record HealthRecord(String pool, String id, String status, String reason, long since, Integer weightPercent,
    String agentState, String checkedBy, Integer agentMaxConnections) {

  public static final String UP = "up";
  public static final String DOWN = "down";
  public static final String UNKNOWN = "unknown";

  /** A verdict with no agent connection limit. */
  public HealthRecord(String pool, String id, String status, String reason, long since, Integer weightPercent,
      String agentState, String checkedBy) {
    this(pool, id, status, reason, since, weightPercent, agentState, checkedBy, null);
  }

  /**
   * The connection limit in force for a server whose registry record says `registryMax`: the lower of it
   * and its agent's {@code maxconn:N} (0 on either side means no limit, as in HAProxy); 0 when neither limits.
   */
  public static int maxConnectionsInForce(int registryMax, HealthRecord h) {
    Integer agent = h == null ? null : h.agentMaxConnections();
    if (agent == null || agent <= 0 || (registryMax > 0 && registryMax <= agent)) {
      return registryMax;
    }
    return agent;
  }

  /**
   * The verdict an {@code lb.events} event carries: the data of {@code health.up}, {@code health.down} or
   * {@code load.changed} from health-service; null for any other event, and for an agent's load report
   * pushed through the registry API (a {@code load.changed} without a status), which is not a verdict.
   */
  public static HealthRecord verdictOf(String type, JsonObject data) {
    EventType t = EventType.fromWire(type);
    boolean healthType = t == EventType.HEALTH_UP || t == EventType.HEALTH_DOWN || t == EventType.LOAD_CHANGED;
    return healthType && data != null && data.getString("status") != null ? fromJson(data) : null;
  }

  public static String key(String pool, String id) {
    return pool + "/" + id;
  }

  public String key() {
    return key(pool, id);
  }

  /** The same verdict with another agent weight percentage (a load report pushed through the registry). */
  public HealthRecord withWeightPercent(Integer percent) {
    return new HealthRecord(pool, id, status, reason, since, percent, agentState, checkedBy, agentMaxConnections);
  }

  public boolean isDown() {
    return DOWN.equals(status);
  }

  public JsonObject toJson() {
    return new JsonObject().put("pool", pool).put("id", id).put("status", status).put("reason", reason)
        .put("since", since).put("weightPercent", weightPercent).put("agentState", agentState)
        .put("checkedBy", checkedBy).put("maxConnections", agentMaxConnections);
  }

  public static HealthRecord fromJson(JsonObject j) {
    return new HealthRecord(j.getString("pool"), j.getString("id"), j.getString("status", UNKNOWN),
        j.getString("reason"), j.getLong("since", 0L), j.getInteger("weightPercent"), j.getString("agentState"),
        j.getString("checkedBy"), j.getInteger("maxConnections"));
  }
}
