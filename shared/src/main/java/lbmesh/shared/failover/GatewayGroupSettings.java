package lbmesh.shared.failover;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.MemberAttributeConfig;
import lbmesh.shared.launch.Env;

/**
 * A gateway's place in its group, read once from the environment and carried as Hazelcast member
 * attributes so that the failover leader sees it: the one source of these names and defaults.
 *
 * @param priority higher wins the active role in an active-passive group
 * @param preempt a returning gateway of higher priority takes the active role back
 */
public record GatewayGroupSettings(String group, GatewayMode mode, int priority, boolean preempt) {
  public static final String ENV_GROUP = "LB_GATEWAY_GROUP";
  public static final String ENV_MODE = "LB_GATEWAY_MODE";
  public static final String ENV_PRIORITY = "LB_GATEWAY_PRIORITY";
  public static final String ENV_PREEMPT = "LB_PREEMPT";

  public static final String DEFAULT_GROUP = "edge";
  public static final GatewayMode DEFAULT_MODE = GatewayMode.ACTIVE_ACTIVE;
  public static final int DEFAULT_PRIORITY = 100;
  public static final boolean DEFAULT_PREEMPT = false;

  /** Member attribute names, set on gateway members by ClusterBootstrap. */
  public static final String ATTR_GROUP = "lb.group";
  public static final String ATTR_MODE = "lb.mode";
  public static final String ATTR_PRIORITY = "lb.priority";
  public static final String ATTR_PREEMPT = "lb.preempt";

  public static final GatewayGroupSettings DEFAULT =
      new GatewayGroupSettings(DEFAULT_GROUP, DEFAULT_MODE, DEFAULT_PRIORITY, DEFAULT_PREEMPT);

  public GatewayGroupSettings {
    if (group == null || group.isBlank() || group.contains("/")) {
      throw new IllegalStateException(ENV_GROUP + " must be a non-empty name without '/', got '" + group + "'");
    }
    if (mode == null) {
      throw new IllegalStateException(ENV_MODE + " is required");
    }
  }

  public static GatewayGroupSettings fromEnv(Env env) {
    String preempt = env.get(ENV_PREEMPT, Boolean.toString(DEFAULT_PREEMPT));
    if (!preempt.equals("true") && !preempt.equals("false")) {
      throw new IllegalStateException(ENV_PREEMPT + " must be 'true' or 'false', got '" + preempt + "'");
    }
    return new GatewayGroupSettings(
        env.get(ENV_GROUP, DEFAULT_GROUP),
        GatewayMode.fromWire(env.get(ENV_MODE, DEFAULT_MODE.wire())),
        env.getInt(ENV_PRIORITY, DEFAULT_PRIORITY),
        Boolean.parseBoolean(preempt));
  }

  /** Writes these settings as member attributes. */
  public void writeTo(MemberAttributeConfig attrs) {
    attrs.setAttribute(ATTR_GROUP, group);
    attrs.setAttribute(ATTR_MODE, mode.wire());
    attrs.setAttribute(ATTR_PRIORITY, Integer.toString(priority));
    attrs.setAttribute(ATTR_PREEMPT, Boolean.toString(preempt));
  }

  /** The settings a member joined with, or null when it carries none (not a gateway). */
  public static GatewayGroupSettings of(Member m) {
    String group = m.getAttribute(ATTR_GROUP);
    if (group == null) {
      return null;
    }
    String mode = m.getAttribute(ATTR_MODE);
    String priority = m.getAttribute(ATTR_PRIORITY);
    return new GatewayGroupSettings(group, mode == null ? DEFAULT_MODE : GatewayMode.fromWire(mode),
        priority == null ? DEFAULT_PRIORITY : Integer.parseInt(priority),
        Boolean.parseBoolean(m.getAttribute(ATTR_PREEMPT)));
  }
}
