package lbmesh.shared.event;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Every event type published on {@link Addresses#EVENTS}, with its wire name. */
public enum EventType {
  POOL_UPDATED("pool.updated"),
  POOL_REMOVED("pool.removed"),
  SERVER_ADDED("server.added"),
  SERVER_UPDATED("server.updated"),
  SERVER_REMOVED("server.removed"),
  ROUTE_UPDATED("route.updated"),
  ROUTE_REMOVED("route.removed"),
  HEALTH_UP("health.up"),
  HEALTH_DOWN("health.down"),
  LOAD_CHANGED("load.changed"),
  OUTLIER_EJECTED("outlier.ejected"),
  OUTLIER_RESTORED("outlier.restored"),
  MEMBER_JOINED("member.joined"),
  MEMBER_LEFT("member.left"),
  LEADER_ELECTED("leader.elected"),
  GATEWAY_ROLE("gateway.role"),
  DC_FAILOVER("dc.failover"),
  DC_FAILBACK("dc.failback");

  private static final Map<String, EventType> BY_WIRE =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(EventType::wire, Function.identity()));

  private final String wire;

  EventType(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** True for the events that change the registry (and carry its version). */
  public boolean isRegistryChange() {
    return switch (this) {
      case POOL_UPDATED, POOL_REMOVED, SERVER_ADDED, SERVER_UPDATED, SERVER_REMOVED,
          ROUTE_UPDATED, ROUTE_REMOVED -> true;
      default -> false;
    };
  }

  /** The type for a wire name, or null when unknown or missing (a newer peer may send types we do not know). */
  public static EventType fromWire(String wire) {
    return wire == null ? null : BY_WIRE.get(wire);
  }
}
