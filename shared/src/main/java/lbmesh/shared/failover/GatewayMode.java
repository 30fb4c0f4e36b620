package lbmesh.shared.failover;

/** How a gateway group shares traffic (LB_GATEWAY_MODE): every member serves, or exactly one does. */
public enum GatewayMode {
  ACTIVE_ACTIVE("active-active"),
  ACTIVE_PASSIVE("active-passive");

  private final String wire;

  GatewayMode(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** The mode for its wire name; anything else is a configuration error. */
  public static GatewayMode fromWire(String wire) {
    for (GatewayMode m : values()) {
      if (m.wire.equals(wire)) {
        return m;
      }
    }
    throw new IllegalStateException(GatewayGroupSettings.ENV_MODE + " must be 'active-active' or 'active-passive', got '"
        + wire + "'");
  }
}
