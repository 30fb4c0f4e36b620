package lbmesh.health.cluster;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Which health-service instance checks which server: rendezvous (highest-random-weight) hashing of the
 * server key over the live instances. Every instance computes the same answer from the same member
 * list, each server has exactly one owner, and when an instance leaves only its servers move.
 */
public final class CheckOwnership {
  private final List<String> instances;

  /** `instances`: the node ids of the live health-service members. */
  public CheckOwnership(List<String> instances) {
    this.instances = List.copyOf(instances);
  }

  public List<String> instances() {
    return instances;
  }

  /** The owner of `serverKey`, or null when no instance is live. */
  public String owner(String serverKey) {
    String best = null;
    long bestScore = Long.MIN_VALUE;
    for (String i : instances) {
      long score = mix(hash(i) * 31 + hash(serverKey));
      if (score > bestScore || (score == bestScore && i.compareTo(best) < 0)) {
        best = i;
        bestScore = score;
      }
    }
    return best;
  }

  private static long hash(String s) {
    long h = 0xcbf29ce484222325L;   // FNV-1a 64: stable across JVMs, unlike String.hashCode's spread
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** The murmur3 finalizer: spreads the combined hash over all bits. */
  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
