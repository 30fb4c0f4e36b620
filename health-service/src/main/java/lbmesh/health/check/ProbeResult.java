package lbmesh.health.check;

/**
 * The outcome of one probe.
 *
 * @param ok the check passed
 * @param reason why, for events and logs: {@code status 200}, {@code status 503}, {@code timeout},
 *     {@code connection refused}, {@code agent down: disk full}, ...
 * @param latencyMs time from start to verdict
 * @param agent the parsed agent line, for agent checks that got one; null otherwise
 * @param agentUnreachable the agent gave no usable answer (no connection, no line in time, or no word
 *     it understood): HAProxy does not count this as a failure, so neither does the state machine
 */
public record ProbeResult(boolean ok, String reason, long latencyMs, AgentReply agent, boolean agentUnreachable) {

  public static ProbeResult passed(String reason, long latencyMs) {
    return new ProbeResult(true, reason, latencyMs, null, false);
  }

  public static ProbeResult failed(String reason, long latencyMs) {
    return new ProbeResult(false, reason, latencyMs, null, false);
  }

  /** An agent answered: the check fails only when the agent said {@code down}, {@code fail} or {@code stopped}. */
  public static ProbeResult agent(AgentReply reply, long latencyMs) {
    return new ProbeResult(reply.operational() != AgentReply.Operational.DOWN, reply.describe(), latencyMs, reply,
        false);
  }

  /** The agent could not be asked; leaves the server's health as it was. */
  public static ProbeResult agentUnreachable(String reason, long latencyMs) {
    return new ProbeResult(false, "agent unreachable: " + reason, latencyMs, null, true);
  }
}
