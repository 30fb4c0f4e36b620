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

  /** Sticks the key to `server` unless it sticks somewhere already; returns where it sticks. */
  public record PutIfAbsent(String server, int ttlSeconds) implements EntryProcessor<String, String, String> {
    @Override
    public String process(Map.Entry<String, String> entry) {
      if (entry.getValue() != null) {
        return entry.getValue();
      }
      ((ExtendedMapEntry<String, String>) entry).setValue(server, ttlSeconds, TimeUnit.SECONDS);
      return server;
    }
  }

  /** Moves the key from `expected` (or from nothing) to `server`; returns where it sticks afterwards. */
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
