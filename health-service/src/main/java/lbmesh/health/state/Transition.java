package lbmesh.health.state;

/**
 * What one probe result changed, so the caller publishes {@code health.up} / {@code health.down} exactly
 * once per change, and {@code load.changed} when the agent's weight, limit or administrative word moved.
 *
 * @param kind {@code NONE}, or the new status
 * @param from the status before an {@code UP} or {@code DOWN} change (an {@code UP} from {@code DOWN} is a
 *     recovery and starts slow start; one from {@code UNKNOWN} is a first verdict); null for {@code NONE}
 * @param reason why: the reason of the probe result that tipped the count (for example {@code status 503})
 * @param agentChanged the agent's state, weight percentage or maxconn changed with this result
 */
public record Transition(Kind kind, ServerHealth.Status from, String reason, boolean agentChanged) {

  /** The health change a result caused. */
  public enum Kind { NONE, UP, DOWN }

  private static final Transition NOTHING = new Transition(Kind.NONE, null, null, false);

  /** Nothing changed. */
  public static Transition none() {
    return NOTHING;
  }

  /** Only the agent's settings changed. */
  static Transition agentOnly() {
    return new Transition(Kind.NONE, null, null, true);
  }

  /** True for {@code UP} and {@code DOWN}. */
  public boolean healthChanged() {
    return kind != Kind.NONE;
  }

  /** True for an {@code UP} that follows a {@code DOWN}: the server should ramp up over slow start. */
  public boolean recovery() {
    return kind == Kind.UP && from == ServerHealth.Status.DOWN;
  }
}
