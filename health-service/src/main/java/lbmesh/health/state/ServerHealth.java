package lbmesh.health.state;

import java.util.Locale;
import java.util.random.RandomGenerator;
import lbmesh.health.check.AgentReply;
import lbmesh.health.check.ProbeResult;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;

/**
 * One server's active-health state machine: counts consecutive results against {@code rise}/{@code fall},
 * keeps what its agent said, and picks the delay before the next check. Not thread-safe; no clock of its
 * own (times are passed in).
 *
 * <p>Agent rules, as in HAProxy: an agent that cannot be asked changes nothing; an agent's {@code down}
 * (or {@code fail}, {@code stopped}) holds until the same agent says {@code up}, so every result meanwhile
 * counts as a failure; its {@code drain}/{@code maint} holds until it says {@code ready}; a weight or
 * maxconn it does not repeat stays as last said.
 */
public final class ServerHealth {

  /** The verdict: {@code UNKNOWN} until the first {@code rise} successes or {@code fall} failures. */
  public enum Status {
    UNKNOWN, UP, DOWN;

    /** {@code unknown}, {@code up} or {@code down}, as in {@code lb.health} and the cluster view. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private Pool.HealthCheck cfg;
  private Status status;
  private long since;
  private String reason;
  private int successes;
  private int failures;
  private String agentDownReason; // non-null while the agent's last operational word was down
  private Server.State agentState;
  private Integer weightPercent;
  private Integer maxconn;

  /** A server not checked yet: {@code UNKNOWN} since {@code nowMillis}. */
  public ServerHealth(Pool.HealthCheck cfg, long nowMillis) {
    this(cfg, Status.UNKNOWN, nowMillis, null);
  }

  /**
   * A server whose verdict is already known, for an instance that takes over its checks (from
   * {@code lb.health}) so that a change of owner is not a change of health.
   */
  public ServerHealth(Pool.HealthCheck cfg, Status status, long sinceMillis, String reason) {
    this.cfg = cfg;
    this.status = status;
    this.since = sinceMillis;
    this.reason = reason;
  }

  /**
   * Continues from a verdict another instance published (a takeover): the status and what the agent last
   * said stay, so a change of owner is neither a change of health nor a new {@code load.changed}.
   */
  public static ServerHealth resume(Pool.HealthCheck cfg, HealthRecord prev) {
    Status st = HealthRecord.UP.equals(prev.status()) ? Status.UP
        : HealthRecord.DOWN.equals(prev.status()) ? Status.DOWN : Status.UNKNOWN;
    ServerHealth h = new ServerHealth(cfg, st, prev.since(), prev.reason());
    h.weightPercent = prev.weightPercent();
    h.maxconn = prev.agentMaxConnections();
    h.agentState = prev.agentState() == null ? null : Server.State.fromWire(prev.agentState());
    return h;
  }

  /** Applies a pool's new check settings; the verdict and the counts so far stay. */
  public void configure(Pool.HealthCheck cfg) {
    this.cfg = cfg;
  }

  /** Counts one probe result taken at {@code nowMillis}. */
  public Transition onResult(ProbeResult result, long nowMillis) {
    if (result.agentUnreachable()) {
      return Transition.none();
    }
    boolean agentChanged = result.agent() != null && applyAgent(result.agent(), result.reason());
    boolean passed = result.ok() && agentDownReason == null;
    String why = result.ok() && agentDownReason != null ? agentDownReason : result.reason();
    if (passed) {
      failures = 0;
      successes = Math.min(successes + 1, Integer.MAX_VALUE - 1);
    } else {
      successes = 0;
      failures = Math.min(failures + 1, Integer.MAX_VALUE - 1);
    }
    Status before = status;
    if (passed && status != Status.UP && successes >= Math.max(1, cfg.rise())) {
      status = Status.UP;
    } else if (!passed && status != Status.DOWN && failures >= Math.max(1, cfg.fall())) {
      status = Status.DOWN;
    } else {
      return agentChanged ? Transition.agentOnly() : Transition.none();
    }
    since = nowMillis;
    reason = why;
    return new Transition(status == Status.UP ? Transition.Kind.UP : Transition.Kind.DOWN, before, why,
        agentChanged);
  }

  /** Returns true when something the gateway uses (state, weight, maxconn) changed. */
  private boolean applyAgent(AgentReply a, String description) {
    boolean changed = false;
    if (a.operational() == AgentReply.Operational.DOWN) {
      agentDownReason = description;
    } else if (a.operational() == AgentReply.Operational.UP) {
      agentDownReason = null;
    }
    if (a.adminState() != null && a.adminState() != agentState) {
      agentState = a.adminState();
      changed = true;
    }
    if (a.weightPercent() != null && !a.weightPercent().equals(weightPercent)) {
      weightPercent = a.weightPercent();
      changed = true;
    }
    if (a.maxconn() != null && !a.maxconn().equals(maxconn)) {
      maxconn = a.maxconn();
      changed = true;
    }
    return changed;
  }

  /**
   * The delay before the next check: {@code fastIntervalMs} while a change is under way (a verdict
   * being reached, failures while up, successes while down), {@code downIntervalMs} while down,
   * {@code intervalMs} otherwise; each spread by ±{@code jitterPercent} so checks do not fire in lockstep.
   */
  public long nextDelayMs(RandomGenerator random) {
    boolean changing = switch (status) {
      case UNKNOWN -> successes > 0 || failures > 0;
      case UP -> failures > 0;
      case DOWN -> successes > 0;
    };
    int base = changing ? cfg.fastIntervalMs() : status == Status.DOWN ? cfg.downIntervalMs() : cfg.intervalMs();
    return jittered(base, cfg.jitterPercent(), random);
  }

  static long jittered(long base, int jitterPercent, RandomGenerator random) {
    long span = base * Math.max(0, jitterPercent) / 100;
    long delay = span == 0 ? base : base + random.nextLong(-span, span + 1);
    return Math.max(1, delay);
  }

  /**
   * The verdict as published in {@code lb.health} and health events, with what the agent said (weight,
   * administrative word, connection limit). {@code since} is passed in: only a recovery starts slow start.
   */
  public HealthRecord record(String pool, String id, long sinceMillis, String checkedBy) {
    return new HealthRecord(pool, id, status.wire(), reason, sinceMillis, weightPercent,
        agentState == null ? null : agentState.wire(), checkedBy, maxconn);
  }

  public Status status() {
    return status;
  }

  /** When the current status began (epoch ms); for an {@code UP} after a {@code DOWN}, the start of slow start. */
  public long since() {
    return since;
  }

  /** The reason of the last change of status; null before the first. */
  public String reason() {
    return reason;
  }

  public int consecutiveSuccesses() {
    return successes;
  }

  public int consecutiveFailures() {
    return failures;
  }

  /** True while the agent's last operational word was {@code down}/{@code fail}/{@code stopped}. */
  public boolean agentSaysDown() {
    return agentDownReason != null;
  }

  /** The agent's administrative word ({@code READY}, {@code DRAIN}, {@code MAINT}), null if it never said one. */
  public Server.State agentState() {
    return agentState;
  }

  /** The agent's weight percentage, null if it never said one. */
  public Integer weightPercent() {
    return weightPercent;
  }

  /** The agent's connection limit (0: none), null if it never said one. */
  public Integer maxconn() {
    return maxconn;
  }
}
