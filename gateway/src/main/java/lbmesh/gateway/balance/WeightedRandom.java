package lbmesh.gateway.balance;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Uniform random pick weighted by effective weight: stateless and lock-free. Unusable servers are handled
 * by drawing again, which keeps the ratios among the others exact; when most servers are unusable it
 * stops redrawing and draws once over the usable ones' weights instead.
 */
public final class WeightedRandom implements Balancer {

  private static final int DRAWS_BEFORE_SCAN = 8;

  private final int[] weights;
  private final long[] cumulative; // cumulative[i] = weights[0] + ... + weights[i], strictly increasing
  private final long total;
  private final Supplier<? extends RandomGenerator> random;

  public WeightedRandom(List<BalancedServer> servers, Supplier<? extends RandomGenerator> random) {
    this.weights = servers.stream().mapToInt(BalancedServer::weight).toArray();
    this.cumulative = new long[weights.length];
    long sum = 0;
    for (int i = 0; i < weights.length; i++) {
      sum += weights[i];
      cumulative[i] = sum;
    }
    this.total = sum;
    this.random = Objects.requireNonNull(random, "random");
  }

  @Override
  public int pick(PickRequest request, IntPredicate usable) {
    int n = weights.length;
    if (n == 0) {
      return -1;
    }
    RandomGenerator generator = random.get();
    for (int draw = 0; draw < DRAWS_BEFORE_SCAN; draw++) {
      int index = serverAt(generator.nextLong(total));
      if (usable.test(index)) {
        return index;
      }
    }
    boolean[] ok = PickScratch.forThread(n).flags;
    long usableTotal = 0;
    for (int i = 0; i < n; i++) {
      ok[i] = usable.test(i);
      if (ok[i]) {
        usableTotal += weights[i];
      }
    }
    if (usableTotal == 0) {
      return -1;
    }
    long point = generator.nextLong(usableTotal);
    for (int i = 0; i < n; i++) {
      if (ok[i]) {
        point -= weights[i];
        if (point < 0) {
          return i;
        }
      }
    }
    throw new AssertionError("point beyond the usable total");
  }

  /** The server whose weight interval [cumulative[i-1], cumulative[i]) holds {@code point}. */
  private int serverAt(long point) {
    int found = Arrays.binarySearch(cumulative, point);
    return found >= 0 ? found + 1 : -found - 1;
  }

  @Override
  public int size() {
    return weights.length;
  }
}
