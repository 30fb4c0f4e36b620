package lbmesh.shared.inflight;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The other gateways' last in-flight reports, summed per server. Keeps each sender's table, applies
 * its deltas in sequence, ignores deltas after a gap until the sender's next full table, and drops a
 * sender after {@link #MISSED_INTERVALS} silent intervals or when told it left. Single-threaded: call
 * it from one event loop. `onChange(key, newTotal)` hears every change of a server's summed count.
 */
public final class InflightBoard {
  /** A report not renewed within this many of its sender's intervals is dropped. */
  public static final int MISSED_INTERVALS = 3;

  private static final class Sender {
    final Map<String, Integer> counts = new HashMap<>();
    long seq = -1;
    boolean synced;
    long lastSeenMillis;
    int intervalMs;
    String dc;
    /** Request totals of the last full report that carried them, and when it came. */
    Map<String, Long> requests = Map.of();
    long requestsAt;
    boolean sampled;
    /** Requests per second per server, between the last two full reports (absent: none). */
    final Map<String, Double> rates = new HashMap<>();
    boolean ratesReady;
  }

  private final String self;
  private final Map<String, Sender> senders = new HashMap<>();
  private final Map<String, Integer> totals = new ConcurrentHashMap<>();
  private final BiConsumer<String, Integer> onChange;

  public InflightBoard(String self, BiConsumer<String, Integer> onChange) {
    this.self = self;
    this.onChange = onChange;
  }

  /** Applies a report received at `nowMillis`; this gateway's own reports are ignored. */
  public void accept(InflightReport r, long nowMillis) {
    if (r.gateway() == null || r.gateway().equals(self)) {
      return;
    }
    Sender s = senders.computeIfAbsent(r.gateway(), g -> new Sender());
    s.lastSeenMillis = nowMillis;
    s.intervalMs = r.intervalMs();
    s.dc = r.dc();
    if (r.full()) {
      for (String k : Set.copyOf(s.counts.keySet())) {
        if (!r.counts().containsKey(k)) {
          set(s, k, 0);
        }
      }
      r.counts().forEach((k, v) -> set(s, k, v));
      s.synced = true;
      rates(s, r.requests(), nowMillis);
    } else if (s.synced && r.seq() == s.seq + 1) {
      r.counts().forEach((k, v) -> set(s, k, v));
    } else {
      // a missed delta: the table may be wrong until the next full one
      s.synced = false;
    }
    s.seq = r.seq();
  }

  /** Request rates from two successive totals; a server new in the totals gets its rate one report later. */
  private static void rates(Sender s, Map<String, Long> totals, long nowMillis) {
    s.rates.clear();
    long elapsed = nowMillis - s.requestsAt;
    if (s.sampled && elapsed > 0) {
      s.ratesReady = true;
      totals.forEach((k, n) -> {
        Long before = s.requests.get(k);
        if (before != null && n >= before) {
          s.rates.put(k, (n - before) * 1000.0 / elapsed);
        }
      });
    }
    s.requests = totals;
    s.requestsAt = nowMillis;
    s.sampled = true;
  }

  /**
   * The other gateways' summed requests per second to a server, as of each one's last two full reports;
   * null while no gateway has sent two.
   */
  public Double rps(String key) {
    Double sum = null;
    for (Sender s : senders.values()) {
      if (s.ratesReady) {
        sum = (sum == null ? 0 : sum) + s.rates.getOrDefault(key, 0.0);
      }
    }
    return sum;
  }

  /** Drops senders silent for more than {@link #MISSED_INTERVALS} of their intervals. */
  public void expire(long nowMillis) {
    senders.entrySet().removeIf(e -> {
      Sender s = e.getValue();
      if (nowMillis - s.lastSeenMillis > (long) MISSED_INTERVALS * Math.max(1, s.intervalMs)) {
        clear(s);
        return true;
      }
      return false;
    });
  }

  /** Drops a sender at once (it left the cluster). */
  public void drop(String gateway) {
    Sender s = senders.remove(gateway);
    if (s != null) {
      clear(s);
    }
  }

  private void clear(Sender s) {
    for (String k : Set.copyOf(s.counts.keySet())) {
      set(s, k, 0);
    }
  }

  private void set(Sender s, String key, int value) {
    int old = s.counts.getOrDefault(key, 0);
    if (value == 0) {
      s.counts.remove(key);
    } else {
      s.counts.put(key, value);
    }
    if (old != value) {
      int total = totals.merge(key, value - old, Integer::sum);
      if (total == 0) {
        totals.remove(key);
      }
      onChange.accept(key, total);
    }
  }

  /** The other gateways' summed count for a server. */
  public int total(String key) {
    return totals.getOrDefault(key, 0);
  }

  /** Each other gateway's count for a server. */
  public Map<String, Integer> byGateway(String key) {
    Map<String, Integer> m = new HashMap<>();
    senders.forEach((g, s) -> {
      Integer v = s.counts.get(key);
      if (v != null) {
        m.put(g, v);
      }
    });
    return m;
  }

  public Set<String> gateways() {
    return Set.copyOf(senders.keySet());
  }
}
