package lbmesh.gateway.balance;

import java.util.List;
import java.util.Objects;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Weighted random over dynamic weights: each server's effective weight (which already carries its
 * agent-reported capacity) times how fast it answers compared with the pool, with a mild discount for
 * carrying more than its share of in-flight requests. A server with twice the pool's mean latency gets
 * about half its static share; slow or busy servers get less, never nothing, so their EWMA keeps getting
 * samples and they win traffic back once they recover.
 *
 * <p>Stateless between picks (the state is the load view), hence lock-free; weighted random rather than
 * SWRR because the weights change on every pick.
 */
public final class Adaptive implements Balancer {

  /**
   * Upper bound on the latency boost. A server that fails fast (instant 5xx) looks very fast; capping
   * the boost keeps it from drawing in all the traffic before outlier detection ejects it.
   */
  public static final double MAX_LATENCY_FACTOR = 4.0;

  /** Lower bound on the latency factor, so a slow server still sees enough traffic to be re-measured. */
  public static final double MIN_LATENCY_FACTOR = 0.05;

  /**
   * Strength of the in-flight discount: a server carrying twice the pool's in-flight requests per unit of
   * weight keeps (1 + b) / (1 + 2b) = 0.83 of its weight with b = 0.25. Kept mild because latency already
   * reflects load and the counts are partly stale.
   */
  public static final double INFLIGHT_BIAS = 0.25;

  private final double[] weights;
  private final double[] inverseWeights;
  private final LoadView load;
  private final Supplier<? extends RandomGenerator> random;

  public Adaptive(List<BalancedServer> servers, LoadView load, Supplier<? extends RandomGenerator> random) {
    this.weights = servers.stream().mapToDouble(BalancedServer::weight).toArray();
    this.inverseWeights = servers.stream().mapToDouble(server -> 1.0 / server.weight()).toArray();
    this.load = Objects.requireNonNull(load, "load");
    this.random = Objects.requireNonNull(random, "random");
  }

  @Override
  public int pick(PickRequest request, IntPredicate usable) {
    int n = weights.length;
    PickScratch scratch = PickScratch.forThread(n);
    int[] candidates = scratch.indexes;
    double[] latencies = scratch.first;
    double[] inflights = scratch.second;
    double[] dynamic = scratch.third;
    int count = 0;
    int latencyKnown = 0;
    double latencySum = 0;
    double inflightSum = 0;
    double weightSum = 0;
    for (int i = 0; i < n; i++) {
      if (!usable.test(i)) {
        continue;
      }
      double latency = load.latencyMillis(i);
      if (latency > 0 && latency < Double.POSITIVE_INFINITY) {
        latencySum += latency;
        latencyKnown++;
      } else {
        latency = Double.NaN; // unknown: neutral, as if at the pool's mean
      }
      double inflight = Math.max(0L, load.inflight(i));
      candidates[count] = i;
      latencies[count] = latency;
      inflights[count] = inflight;
      count++;
      inflightSum += inflight;
      weightSum += weights[i];
    }
    if (count <= 1) {
      return count == 0 ? -1 : candidates[0];
    }
    double meanLatency = latencyKnown > 0 ? latencySum / latencyKnown : Double.NaN;
    // INFLIGHT_BIAS over the pool's mean load (in-flight requests per unit of weight); 0 when idle.
    double loadScale = inflightSum > 0 ? INFLIGHT_BIAS * weightSum / inflightSum : 0;
    double total = 0;
    for (int k = 0; k < count; k++) {
      int index = candidates[k];
      double dynamicWeight = weights[index];
      if (!Double.isNaN(latencies[k])) {
        dynamicWeight *= Math.min(MAX_LATENCY_FACTOR,
            Math.max(MIN_LATENCY_FACTOR, meanLatency / latencies[k]));
      }
      if (loadScale > 0) {
        // (1 + b) / (1 + b * load / meanLoad): a server at the pool's mean load keeps its weight.
        dynamicWeight *= (1 + INFLIGHT_BIAS) / (1 + loadScale * inflights[k] * inverseWeights[index]);
      }
      dynamic[k] = dynamicWeight;
      total += dynamicWeight;
    }
    double point = random.get().nextDouble() * total;
    for (int k = 0; k < count - 1; k++) {
      point -= dynamic[k];
      if (point < 0) {
        return candidates[k];
      }
    }
    return candidates[count - 1];
  }

  @Override
  public int size() {
    return weights.length;
  }
}
