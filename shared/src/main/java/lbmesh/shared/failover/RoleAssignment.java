package lbmesh.shared.failover;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The leader's decision for one gateway group: the value of {@code role/<group>} in lb.failover and the
 * data of a {@code gateway.role} event. A gateway is active iff {@link #active} is its node id; in an
 * active-active group every gateway is active and {@code active} is null.
 */
public record RoleAssignment(String group, GatewayMode mode, String active, List<Gateway> gateways, long epoch) {
  public static final String ACTIVE = "active";
  public static final String PASSIVE = "passive";

  /** One gateway of the group and the role it was given. */
  public record Gateway(String nodeId, String role, String dc, int priority) {
    JsonObject toJson() {
      return new JsonObject().put("nodeId", nodeId).put("role", role).put("dc", dc).put("priority", priority);
    }

    static Gateway fromJson(JsonObject j) {
      return new Gateway(j.getString("nodeId"), j.getString("role"), j.getString("dc"),
          j.getInteger("priority", GatewayGroupSettings.DEFAULT_PRIORITY));
    }
  }

  public RoleAssignment {
    gateways = List.copyOf(gateways);
  }

  /** Whether `nodeId` should serve traffic under this decision. */
  public boolean isActive(String nodeId) {
    return mode == GatewayMode.ACTIVE_ACTIVE
        ? gateways.stream().anyMatch(g -> g.nodeId().equals(nodeId)) : nodeId.equals(active);
  }

  /** The role of `nodeId`, or null when it is not in the group. */
  public String roleOf(String nodeId) {
    return gateways.stream().filter(g -> g.nodeId().equals(nodeId)).map(Gateway::role).findFirst().orElse(null);
  }

  public RoleAssignment withEpoch(long e) {
    return new RoleAssignment(group, mode, active, gateways, e);
  }

  /** Same decision, whatever epoch made it. */
  public boolean sameDecision(RoleAssignment o) {
    return o != null && withEpoch(0).equals(o.withEpoch(0));
  }

  public JsonObject toJson() {
    JsonArray gs = new JsonArray();
    gateways.forEach(g -> gs.add(g.toJson()));
    return new JsonObject().put("group", group).put("mode", mode.wire()).put("active", active).put("gateways", gs)
        .put("epoch", epoch);
  }

  public static RoleAssignment fromJson(JsonObject j) {
    return new RoleAssignment(j.getString("group"), GatewayMode.fromWire(j.getString("mode")), j.getString("active"),
        j.getJsonArray("gateways", new JsonArray()).stream().map(o -> Gateway.fromJson((JsonObject) o)).toList(),
        j.getLong("epoch", 0L));
  }
}
