package lbmesh.health.check;

import java.util.Locale;
import lbmesh.shared.model.Server;

/**
 * One line of the HAProxy agent-check protocol, parsed. Words are separated by spaces, commas or tabs
 * and compared case-insensitively; everything after a {@code #} is the reason. Words:
 * <ul>
 *   <li>{@code ready}, {@code drain}, {@code maint}: administrative state;</li>
 *   <li>{@code up}; {@code down}, {@code fail}, {@code failed}, {@code stopped}: operational state;</li>
 *   <li>{@code NN%}: weight as a percentage of the configured weight, 0..256 as in HAProxy;</li>
 *   <li>{@code weight:NN} (or {@code weight:NN%}): the same percentage. HAProxy has no such word; it is
 *       read as a percentage too, so that an agent cannot set an absolute weight the registry did not give;</li>
 *   <li>{@code maxconn:NN}: connection limit (0 means none, as in HAProxy).</li>
 * </ul>
 * A word that is not understood (or a number out of range) is ignored; when words repeat, the last wins.
 * A field the line does not mention is null: it leaves that setting as it was.
 */
public record AgentReply(Server.State adminState, Operational operational, String operationalWord,
    Integer weightPercent, Integer maxconn, String reason) {

  /** HAProxy's upper bound for a relative weight. */
  public static final int MAX_WEIGHT_PERCENT = 256;

  /** What the agent says about the server's ability to serve. */
  public enum Operational { UP, DOWN }

  /** Parses a line (without its line end); never fails. */
  public static AgentReply parse(String line) {
    String words = line == null ? "" : line;
    String reason = null;
    int hash = words.indexOf('#');
    if (hash >= 0) {
      String r = words.substring(hash + 1).strip();
      reason = r.isEmpty() ? null : r;
      words = words.substring(0, hash);
    }
    Server.State admin = null;
    Operational op = null;
    String opWord = null;
    Integer weight = null;
    Integer maxconn = null;
    for (String raw : words.split("[ ,\t\r]+")) {
      String w = raw.toLowerCase(Locale.ROOT);
      switch (w) {
        case "" -> { }
        case "ready" -> admin = Server.State.READY;
        case "drain" -> admin = Server.State.DRAIN;
        case "maint" -> admin = Server.State.MAINT;
        case "up" -> {
          op = Operational.UP;
          opWord = w;
        }
        case "down", "fail", "failed", "stopped" -> {
          op = Operational.DOWN;
          opWord = w;
        }
        default -> {
          if (w.startsWith("weight:")) {
            String v = w.substring("weight:".length());
            weight = percent(v.endsWith("%") ? v.substring(0, v.length() - 1) : v, weight);
          } else if (w.endsWith("%")) {
            weight = percent(w.substring(0, w.length() - 1), weight);
          } else if (w.startsWith("maxconn:")) {
            Integer n = number(w.substring("maxconn:".length()));
            maxconn = n == null ? maxconn : n;
          }
        }
      }
    }
    return new AgentReply(admin, op, opWord, weight, maxconn, reason);
  }

  /** True when the line said nothing this parser understands (a reason alone does not count). */
  public boolean isEmpty() {
    return adminState == null && operational == null && weightPercent == null && maxconn == null;
  }

  /** A short description for events: {@code agent down: disk full}, {@code agent up 75%}, ... */
  public String describe() {
    StringBuilder b = new StringBuilder("agent");
    if (operationalWord != null) {
      b.append(' ').append(operationalWord);
    }
    if (adminState != null) {
      b.append(' ').append(adminState.wire());
    }
    if (weightPercent != null) {
      b.append(' ').append(weightPercent).append('%');
    }
    if (maxconn != null) {
      b.append(" maxconn:").append(maxconn);
    }
    if (reason != null) {
      b.append(": ").append(reason);
    }
    return b.toString();
  }

  private static Integer percent(String digits, Integer previous) {
    Integer n = number(digits);
    return n == null || n > MAX_WEIGHT_PERCENT ? previous : n;
  }

  private static Integer number(String digits) {
    if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    return Integer.parseInt(digits);
  }
}
