package lbmesh.shared.sticky;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Atomic stick-table operations that run on the entry's owner, so a gateway gets them asynchronously
 * (IMap has no async putIfAbsent or compare-and-replace with a TTL). In shared/ because any member may
 * own a stick-table partition and must be able to run them.
 */
public final class StickEntryProcessors {
  private StickEntryProcessors() {
  }

  /**
   * Moves the key from `expected` to `server` (`expected` null: only when it sticks nowhere yet); returns
   * where it sticks afterwards.
   */
  public record Replace(String expected, String server, int ttlSeconds)
      implements EntryProcessor<String, String, String> {
    @Override
    public String process(Map.Entry<String, String> entry) {
      String now = entry.getValue();
      if (now == null || now.equals(expected)) {
        ((ExtendedMapEntry<String, String>) entry).setValue(server, ttlSeconds, TimeUnit.SECONDS);
        return server;
      }
      return now;
    }
  }

  /** Starts the key's TTL again (an active client's entry must not expire). */
  public record Touch(int ttlSeconds) implements EntryProcessor<String, String, Void> {
    @Override
    public Void process(Map.Entry<String, String> entry) {
      if (entry.getValue() != null) {
        ((ExtendedMapEntry<String, String>) entry).setValue(entry.getValue(), ttlSeconds, TimeUnit.SECONDS);
      }
      return null;
    }
  }
}
