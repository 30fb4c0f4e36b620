package lbmesh.gateway.balance;

import java.util.function.IntPredicate;

/**
 * Chooses a server for a request from the immutable list the balancer was built from.
 *
 * <p>Implementations are thread-safe: several event loops pick from the same instance concurrently.
 */
public interface Balancer {

  /** A predicate for callers with no per-request exclusions. */
  IntPredicate ALL_USABLE = index -> true;

  /**
   * Returns the index, in the list this balancer was built from, of the server that should take the
   * request, or -1 when {@code usable} rejects every server. Never returns an index {@code usable}
   * rejected during this call, and keeps the algorithm's property among the usable servers.
   *
   * @param usable whether a server can take this request now (false when it is at maxConnections or
   *     this request already tried it); called on the picking thread, it must be cheap and must not
   *     itself pick from a balancer
   */
  int pick(PickRequest request, IntPredicate usable);

  /** Number of servers in the list this balancer was built from. */
  int size();
}
