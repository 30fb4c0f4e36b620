package lbmesh.gateway.balance;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The balancing algorithms a pool can ask for, with the names used on the wire and in configuration. */
public enum Algorithm {
  ROUND_ROBIN("round-robin"),
  WEIGHTED_ROUND_ROBIN("weighted-round-robin"),
  LEAST_CONNECTIONS("least-connections"),
  IP_HASH("ip-hash"),
  URL_HASH("url-hash"),
  ADAPTIVE("adaptive"),
  RANDOM("random");

  private final String wireName;

  Algorithm(String wireName) {
    this.wireName = wireName;
  }

  /** The name used in pool configuration and on the wire, such as {@code least-connections}. */
  public String wireName() {
    return wireName;
  }

  /** The algorithm with this wire name; throws IllegalArgumentException naming the valid ones. */
  public static Algorithm fromWire(String name) {
    for (Algorithm algorithm : values()) {
      if (algorithm.wireName.equals(name)) {
        return algorithm;
      }
    }
    throw new IllegalArgumentException("unknown balancing algorithm '" + name + "', expected one of "
        + Arrays.stream(values()).map(Algorithm::wireName).collect(Collectors.joining(", ")));
  }
}
