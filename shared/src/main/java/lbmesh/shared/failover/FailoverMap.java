package lbmesh.shared.failover;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The layout of IMap {@code lb.failover} (String keys, JSON string values), written only by the
 * failover leader, and the entry processors that bump and fence its epoch. In shared/ because whichever
 * member owns the partition runs the processors.
 *
 * <ul>
 *   <li>{@code epoch}: the fencing counter, only ever incremented, with the instance that took it:
 *       {@code {"nodeId", "epoch", "since"}} (a bare number before that; {@link #epochOf} reads both);</li>
 *   <li>{@code leader}: {@code {"nodeId", "epoch", "since"}};</li>
 *   <li>{@code role/<group>}: a {@link RoleAssignment};</li>
 *   <li>{@code plan/<pool>}: a {@link DcPlan}.</li>
 * </ul>
 */
public final class FailoverMap {
  /** The service name failover-service members join with. */
  public static final String SERVICE = "failover-service";
  public static final String EPOCH = "epoch";
  public static final String LEADER = "leader";
  public static final String ROLE_PREFIX = "role/";
  public static final String PLAN_PREFIX = "plan/";
  /** The split-brain protection that guards writes to the map (LB_QUORUM members). */
  public static final String QUORUM = "lb.failover.quorum";

  private FailoverMap() {
  }

  public static String roleKey(String group) {
    return ROLE_PREFIX + group;
  }

  public static String planKey(String pool) {
    return PLAN_PREFIX + pool;
  }

  /** The epoch a stored value carries: the number itself for {@code epoch}, the `epoch` field otherwise. */
  public static long epochOf(String value) {
    if (value == null || value.isEmpty()) {
      return 0;
    }
    if (value.charAt(0) == '{') {
      return new JsonObject(value).getLong("epoch", 0L);
    }
    return Long.parseLong(value.trim());
  }

  public static JsonObject leaderJson(String nodeId, long epoch, long since) {
    return new JsonObject().put("nodeId", nodeId).put("epoch", epoch).put("since", since);
  }

  /**
   * Increments {@code epoch} atomically on its owner and returns the new value; `floor` is the highest
   * epoch the caller knows of, so that the epoch still grows if the entry was lost. The entry names the
   * taker (`nodeId`, `since`): readers listening on this one entry learn of a new leader the moment the
   * bump commits, from the only partition an election cannot do without (see {@link FailoverFollower}).
   */
  public record BumpEpoch(long floor, String nodeId, long since) implements EntryProcessor<String, String, Long> {
    @Override
    public Long process(Map.Entry<String, String> entry) {
      long next = Math.max(epochOf(entry.getValue()), floor) + 1;
      entry.setValue(leaderJson(nodeId, next, since).encode());
      return next;
    }
  }

  /** The leader an {@code epoch} or {@code leader} entry names, or null (none, or a bare number). */
  public static FailoverFollower.Leader leaderOf(String value) {
    if (value == null || value.isEmpty() || value.charAt(0) != '{') {
      return null;
    }
    JsonObject j = new JsonObject(value);
    String node = j.getString("nodeId");
    return node == null ? null : new FailoverFollower.Leader(node, j.getLong("epoch", 0L));
  }

  /**
   * Writes `value` (null: removes the entry) only if `epoch` is not older than the epoch the entry already
   * carries; returns the entry's epoch afterwards. A result above `epoch` means a newer leader wrote: the
   * writer must step down.
   */
  public record FencedPut(String value, long epoch) implements EntryProcessor<String, String, Long> {
    @Override
    public Long process(Map.Entry<String, String> entry) {
      long stored = epochOf(entry.getValue());
      if (epoch < stored) {
        return stored;
      }
      entry.setValue(value);
      return epoch;
    }
  }

  /** Reads an entry through the entry-processor path, so that several keys can be read asynchronously. */
  public record Read() implements EntryProcessor<String, String, String>, ReadOnly {
    @Override
    public String process(Map.Entry<String, String> entry) {
      return entry.getValue();
    }

    @Override
    public EntryProcessor<String, String, String> getBackupProcessor() {
      return null;
    }
  }
}
