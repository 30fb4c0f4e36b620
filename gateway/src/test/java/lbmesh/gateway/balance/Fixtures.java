package lbmesh.gateway.balance;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/** Server lists, load views and counting helpers shared by the balancing tests. */
final class Fixtures {

  static final PickRequest ANY_REQUEST = PickRequest.of("192.0.2.1", "/", null);

  private Fixtures() {}

  /** Servers s0, s1, ... with the given weights. */
  static List<BalancedServer> servers(int... weights) {
    List<BalancedServer> list = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      list.add(new BalancedServer("s" + i, weights[i]));
    }
    return list;
  }

  /** {@code count} servers of weight 1 named by the prefix, e.g. backend-0, backend-1, ... */
  static List<BalancedServer> equalServers(String prefix, int count) {
    List<BalancedServer> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      list.add(new BalancedServer(prefix + i, 1));
    }
    return list;
  }

  /** How many of {@code picks} picks went to each server. */
  static int[] countPicks(Balancer balancer, int picks, IntPredicate usable) {
    int[] counts = new int[balancer.size()];
    for (int i = 0; i < picks; i++) {
      counts[balancer.pick(ANY_REQUEST, usable)]++;
    }
    return counts;
  }

  static IntPredicate allBut(int... excluded) {
    return index -> {
      for (int e : excluded) {
        if (e == index) {
          return false;
        }
      }
      return true;
    };
  }

  /** A load view backed by arrays the test changes freely. */
  static final class ArrayLoad implements LoadView {
    final long[] inflight;
    final double[] latency;

    ArrayLoad(int servers) {
      inflight = new long[servers];
      latency = new double[servers];
    }

    ArrayLoad inflight(long... values) {
      System.arraycopy(values, 0, inflight, 0, values.length);
      return this;
    }

    ArrayLoad latency(double... values) {
      System.arraycopy(values, 0, latency, 0, values.length);
      return this;
    }

    @Override
    public long inflight(int index) {
      return inflight[index];
    }

    @Override
    public double latencyMillis(int index) {
      return latency[index];
    }
  }
}
