package lbmesh.shared.sticky;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Atomic stick-table operations that run on the entry's owner, so a gateway gets them asynchronously
 * (IMap has no async compare-and-replace with a TTL). In shared/ because any member may own a
 * stick-table partition and must be able to run them. Values are {@link StickValue}s; an expired one
 * counts as no entry.
 */
public final class StickEntryProcessors {
  private StickEntryProcessors() {
  }

  private static void write(Map.Entry<String, String> entry, String server, int ttlSeconds) {
    ((ExtendedMapEntry<String, String>) entry).setValue(
        StickValue.of(server, ttlSeconds, System.currentTimeMillis()).encode(),
        ttlSeconds + StickValue.HAZELCAST_SLACK_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Moves the key from `expected` to `server` (`expected` null: only when it sticks nowhere yet); returns
   * where it sticks afterwards.
   */
  public record Replace(String expected, String server, int ttlSeconds)
      implements EntryProcessor<String, String, String> {
    @Override
    public String process(Map.Entry<String, String> entry) {
      String now = StickValue.liveServer(entry.getValue(), System.currentTimeMillis());
      if (now == null || now.equals(expected)) {
        write(entry, server, ttlSeconds);
        return server;
      }
      return now;
    }
  }

  /** Starts the key's TTL again (an active client's entry must not expire). */
  public record Touch(int ttlSeconds) implements EntryProcessor<String, String, Void> {
    @Override
    public Void process(Map.Entry<String, String> entry) {
      String server = StickValue.liveServer(entry.getValue(), System.currentTimeMillis());
      if (server != null) {
        write(entry, server, ttlSeconds);
      }
      return null;
    }
  }
}
