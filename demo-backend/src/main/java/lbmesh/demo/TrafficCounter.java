package lbmesh.demo;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Live request counters behind {@link BackendStats}; safe to read from any thread. */
final class TrafficCounter {

  private final AtomicLong total = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final Map<String, LongAdder> methods = new ConcurrentHashMap<>();

  /**
   * Counts a request that has just arrived. The returned action marks it finished; callers may run
   * it several times (response end, connection close) and only the first run counts.
   */
  Runnable begin(String method) {
    total.incrementAndGet();
    methods.computeIfAbsent(method, m -> new LongAdder()).increment();
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    AtomicBoolean finished = new AtomicBoolean();
    return () -> {
      if (finished.compareAndSet(false, true)) {
        inFlight.decrementAndGet();
      }
    };
  }

  /** Starts a new measuring period; requests still in flight stay counted as in flight. */
  void reset() {
    total.set(0);
    methods.clear();
    maxInFlight.set(inFlight.get());
  }

  BackendStats snapshot() {
    Map<String, Long> byMethod = new TreeMap<>();
    methods.forEach((method, count) -> byMethod.put(method, count.sum()));
    return new BackendStats(total.get(), inFlight.get(), maxInFlight.get(), byMethod);
  }
}
