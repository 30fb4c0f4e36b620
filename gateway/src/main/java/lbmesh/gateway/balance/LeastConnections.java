package lbmesh.gateway.balance;

import java.util.List;
import java.util.Objects;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Fewest in-flight requests per unit of weight. The in-flight counts are cluster-wide and partly stale
 * (other gateways report every ~100 ms), so every server whose score is within {@link #TIE_TOLERANCE}
 * of the best counts as a near-tie, and the pick among near-ties is the less loaded of two chosen at
 * random (power of two choices). Gateways that share the same stale view then spread their picks over
 * the near-best servers instead of all herding onto the single best one.
 */
public final class LeastConnections implements Balancer {

  /** Relative slack on the best score within which servers count as tied (0.10: 10 and 11 tie). */
  public static final double TIE_TOLERANCE = 0.10;

  private final double[] inverseWeights; // multiplying is cheaper than dividing on every pick
  private final LoadView load;
  private final Supplier<? extends RandomGenerator> random;

  public LeastConnections(List<BalancedServer> servers, LoadView load,
      Supplier<? extends RandomGenerator> random) {
    this.inverseWeights = servers.stream().mapToDouble(server -> 1.0 / server.weight()).toArray();
    this.load = Objects.requireNonNull(load, "load");
    this.random = Objects.requireNonNull(random, "random");
  }

  @Override
  public int pick(PickRequest request, IntPredicate usable) {
    int n = inverseWeights.length;
    PickScratch scratch = PickScratch.forThread(n);
    int[] candidates = scratch.indexes;
    double[] scores = scratch.first;
    // One read per server: the counts move under us, so the decision is taken on one snapshot.
    int count = 0;
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      if (usable.test(i)) {
        double score = Math.max(0L, load.inflight(i)) * inverseWeights[i];
        candidates[count] = i;
        scores[count] = score;
        count++;
        if (score < best) {
          best = score;
        }
      }
    }
    if (count == 0) {
      return -1;
    }
    // Relative slack: when the best server is idle only other idle servers tie with it.
    double limit = best + best * TIE_TOLERANCE;
    int ties = 0;
    for (int k = 0; k < count; k++) {
      if (scores[k] <= limit) {
        candidates[ties] = candidates[k];
        scores[ties] = scores[k];
        ties++;
      }
    }
    if (ties == 1) {
      return candidates[0];
    }
    RandomGenerator generator = random.get();
    int a = generator.nextInt(ties);
    int b = generator.nextInt(ties - 1);
    if (b >= a) {
      b++;
    }
    return scores[b] < scores[a] ? candidates[b] : candidates[a];
  }

  @Override
  public int size() {
    return inverseWeights.length;
  }
}
