package lbmesh.shared.event;

/** Event-bus addresses and cluster map names shared by the services (DESIGN.md, State). */
public final class Addresses {
  /** Published cluster events, see {@link Event}. */
  public static final String EVENTS = "lb.events";
  /** Request/reply: the registry's full state with its version. */
  public static final String REGISTRY_SNAPSHOT = "lb.registry.snapshot";
  /** Each gateway's periodic in-flight report. */
  public static final String INFLIGHT = "lb.inflight";

  /** IMap holding the registry's state, written only by registry-service. */
  public static final String REGISTRY_MAP = "lb.registry";
  /** IMap of server health, written only by health-service. */
  public static final String HEALTH_MAP = "lb.health";
  /** IMap of agent load reports. */
  public static final String LOAD_MAP = "lb.load";
  /** IMap of gateway roles, DC plan and leader epoch, written only by the failover leader. */
  public static final String FAILOVER_MAP = "lb.failover";
  /** Prefix of the per-pool stick-table IMaps. */
  public static final String STICK_MAP_PREFIX = "lb.stick.";

  private Addresses() {
  }
}
