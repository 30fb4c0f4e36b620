package lbmesh.gateway.balance;

import java.util.List;
import java.util.function.IntPredicate;

/**
 * Smooth weighted round robin, NGINX's scheme: each pick adds every usable server's weight to its
 * current value, takes the server with the largest, and subtracts the usable total from it. Shares follow
 * the weights over every window, and a heavy server's turns are spread between the others' rather than
 * sent in a burst. An unusable server neither gains nor loses credit, so the rest keep their ratios.
 */
public final class SmoothWeightedRoundRobin implements Balancer {

  private final int[] weights;

  // Guarded by the lock on itself. One shared state under a short lock rather than per-thread copies:
  // copies would all start from the same state, so N event loops would send their first picks to the
  // same heaviest server at once (a burst of N), and only each loop's own sequence would be smooth. The
  // critical section is O(servers) arithmetic with no allocation and no call out (usability is read
  // before taking the lock).
  private final long[] current;

  public SmoothWeightedRoundRobin(List<BalancedServer> servers) {
    this.weights = servers.stream().mapToInt(BalancedServer::weight).toArray();
    this.current = new long[weights.length];
  }

  @Override
  public int pick(PickRequest request, IntPredicate usable) {
    int n = weights.length;
    boolean[] ok = PickScratch.forThread(n).flags;
    boolean any = false;
    for (int i = 0; i < n; i++) {
      ok[i] = usable.test(i);
      any |= ok[i];
    }
    if (!any) {
      return -1;
    }
    synchronized (current) {
      long total = 0;
      int best = -1;
      long bestCurrent = Long.MIN_VALUE;
      for (int i = 0; i < n; i++) {
        if (ok[i]) {
          long value = current[i] + weights[i];
          current[i] = value;
          total += weights[i];
          if (value > bestCurrent) {
            bestCurrent = value;
            best = i;
          }
        }
      }
      current[best] -= total;
      return best;
    }
  }

  @Override
  public int size() {
    return weights.length;
  }
}
