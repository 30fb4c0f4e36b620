package lbmesh.gateway.balance;

import java.util.Objects;

/**
 * One eligible server as a balancer sees it: its id and its effective weight.
 *
 * <p>The weight is already scaled by the caller (registry weight times slow-start and agent factors), so
 * it can be large; only ratios between servers matter.
 */
public record BalancedServer(String id, int weight) {
  public BalancedServer {
    Objects.requireNonNull(id, "id");
    if (weight <= 0) {
      throw new IllegalArgumentException("weight of server " + id + " must be positive, was " + weight);
    }
  }
}
