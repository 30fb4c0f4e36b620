package lbmesh.gateway.balance;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/** Builds the balancer for a pool's algorithm from its eligible servers. */
public final class Balancers {

  private Balancers() {}

  /** As {@link #create(Algorithm, List, LoadView, Supplier)} with {@link ThreadLocalRandom}. */
  public static Balancer create(Algorithm algorithm, List<BalancedServer> servers, LoadView load) {
    return create(algorithm, servers, load, ThreadLocalRandom::current);
  }

  /** As {@link #create(Algorithm, List, LoadView, Supplier, boolean)}, url-hash keying on the path only. */
  public static Balancer create(Algorithm algorithm, List<BalancedServer> servers, LoadView load,
      Supplier<? extends RandomGenerator> random) {
    return create(algorithm, servers, load, random, false);
  }

  /**
   * Builds a balancer over {@code servers}; {@link Balancer#pick} answers indexes into this list.
   *
   * @param load live signals, read by the load-aware algorithms at pick time
   * @param random called on the picking thread at each pick that needs randomness; it must hand that
   *     thread a generator it may use ({@code ThreadLocalRandom::current} in production, a seeded
   *     generator in single-threaded tests)
   * @param urlHashIncludesQuery whether url-hash keys on the query as well as the path
   */
  public static Balancer create(Algorithm algorithm, List<BalancedServer> servers, LoadView load,
      Supplier<? extends RandomGenerator> random, boolean urlHashIncludesQuery) {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(servers, "servers");
    Objects.requireNonNull(load, "load");
    Objects.requireNonNull(random, "random");
    return switch (algorithm) {
      case ROUND_ROBIN -> new RoundRobin(servers);
      case WEIGHTED_ROUND_ROBIN -> new SmoothWeightedRoundRobin(servers);
      case LEAST_CONNECTIONS -> new LeastConnections(servers, load, random);
      case IP_HASH -> new IpHash(servers);
      case URL_HASH -> new UrlHash(servers, urlHashIncludesQuery);
      case ADAPTIVE -> new Adaptive(servers, load, random);
      case RANDOM -> new WeightedRandom(servers, random);
    };
  }
}
