package lbmesh.gateway.balance;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Time of one pick for each algorithm and pool size, with realistic weights, loads and keys. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class PickBenchmark {

  private static final int REQUESTS = 1024; // power of two: the cursor wraps with a mask

  @Param({"round-robin", "weighted-round-robin", "least-connections", "ip-hash", "url-hash", "adaptive",
      "random"})
  public String algorithm;

  @Param({"3", "30", "300"})
  public int servers;

  private Balancer balancer;
  private PickRequest[] requests;
  private long[] inflight;
  private double[] latency;
  private IntPredicate usable;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(2024);
    List<BalancedServer> list = new ArrayList<>();
    inflight = new long[servers];
    latency = new double[servers];
    for (int i = 0; i < servers; i++) {
      // Registry weights 1..256 scaled by 100, as the routing table hands them over.
      list.add(new BalancedServer("backend-" + (7001 + i), (1 + random.nextInt(256)) * 100));
      inflight[i] = random.nextInt(50);
      latency[i] = 2 + random.nextDouble(40);
    }
    LoadView load = new LoadView() {
      @Override
      public long inflight(int index) {
        return inflight[index];
      }

      @Override
      public double latencyMillis(int index) {
        return latency[index];
      }
    };
    balancer = Balancers.create(Algorithm.fromWire(algorithm), list, load, ThreadLocalRandom::current);
    requests = new PickRequest[REQUESTS];
    for (int i = 0; i < REQUESTS; i++) {
      requests[i] = PickRequest.of("10." + random.nextInt(256) + "." + random.nextInt(256) + "."
          + random.nextInt(256), "/catalog/item/" + random.nextInt(100_000), "page=" + random.nextInt(10));
    }
    // What the proxy passes: a maxConnections check, which here never trips.
    usable = index -> inflight[index] < 10_000;
  }

  /** Per-thread request cursor, so the benchmark cycles through varied keys. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
  }

  @Benchmark
  public int pick(Cursor cursor) {
    return balancer.pick(requests[cursor.next++ & (REQUESTS - 1)], usable);
  }
}
