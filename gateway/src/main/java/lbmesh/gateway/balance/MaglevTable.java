package lbmesh.gateway.balance;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * Maglev consistent-hash lookup table (Eisenbud et al., NSDI 2016) with Envoy's weighted population:
 * servers take turns filling slots, each in its own pseudo-random order of preference, a heavier server
 * taking its turn more often, until the prime-sized table is full. A key hashes to a slot and the slot
 * names its server. Removing or adding one of N servers moves about 1/N of the keys.
 *
 * <p>Every gateway builds the same table from the same set of servers and weights, whatever order the
 * list comes in: servers take their turns in order of id, and the hashes are fixed (see
 * {@link XxHash64}). Immutable once built, so lookups are lock-free. Building costs about
 * table size × servers steps in the worst case (very unequal weights), so build it off the hot path
 * and reuse it while the server set and weights are unchanged.
 */
public final class MaglevTable {

  /** Envoy's default table size: a prime, large enough for even spread over up to ~650 servers. */
  public static final int MIN_TABLE_SIZE = 65537;

  /** Slots per server wanted at least: more slots per server gives a more even spread. */
  static final int SLOTS_PER_SERVER = 100;

  // Seeds of each server's order of preference. Changing them reshuffles every key in the cluster, and
  // gateways running different values would disagree: treat them as part of the wire contract.
  private static final long OFFSET_SEED = 0x4D61676C65764F66L;
  private static final long SKIP_SEED = 0x4D61676C65765370L;

  /** How far a lookup walks past unusable servers before checking each server once instead. */
  private static final int WALK_LIMIT = 64;

  private final int[] slots; // slot -> index into the list the table was built from
  private final int[] byId; // indexes into that list, ordered by server id
  private final int servers;

  /** A table sized by {@link #tableSizeFor(int)}. */
  public MaglevTable(List<BalancedServer> servers) {
    this(servers, tableSizeFor(servers.size()));
  }

  /**
   * A table with {@code tableSize} slots, which must be a prime above the number of servers.
   *
   * @throws IllegalArgumentException if two servers share an id (the table would depend on input order)
   */
  public MaglevTable(List<BalancedServer> servers, int tableSize) {
    int n = servers.size();
    if (n > 0 && (tableSize <= n || !isPrime(tableSize))) {
      throw new IllegalArgumentException("table size must be a prime above " + n + ", was " + tableSize);
    }
    this.servers = n;
    this.byId = IntStream.range(0, n).boxed()
        .sorted(Comparator.comparing(i -> servers.get(i).id()))
        .mapToInt(Integer::intValue).toArray();
    for (int k = 1; k < n; k++) {
      if (servers.get(byId[k]).id().equals(servers.get(byId[k - 1]).id())) {
        throw new IllegalArgumentException("duplicate server id " + servers.get(byId[k]).id());
      }
    }
    this.slots = n == 0 ? new int[0] : populate(servers, byId, tableSize);
  }

  private static int[] populate(List<BalancedServer> servers, int[] byId, int size) {
    int n = byId.length;
    long[] weight = new long[n];
    long[] position = new long[n]; // next slot in this server's order of preference
    long[] skip = new long[n];
    long[] target = new long[n];
    long maxWeight = 0;
    for (int k = 0; k < n; k++) {
      BalancedServer server = servers.get(byId[k]);
      weight[k] = server.weight();
      maxWeight = Math.max(maxWeight, weight[k]);
      position[k] = Long.remainderUnsigned(XxHash64.hash(server.id(), OFFSET_SEED), size);
      skip[k] = Long.remainderUnsigned(XxHash64.hash(server.id(), SKIP_SEED), size - 1) + 1;
    }
    int[] slots = new int[size];
    Arrays.fill(slots, -1);
    int filled = 0;
    // Envoy's weighting: in round r, a server takes a turn when r * weight has reached its target, and
    // each turn raises the target by the largest weight. The heaviest server fills a slot every round,
    // a server of a third of that weight every third round.
    for (long round = 0; filled < size; round++) {
      for (int k = 0; k < n && filled < size; k++) {
        if (round * weight[k] < target[k]) {
          continue;
        }
        target[k] += maxWeight;
        int slot = (int) position[k];
        while (slots[slot] >= 0) {
          slot = (int) advance(slot, skip[k], size);
        }
        slots[slot] = byId[k];
        position[k] = advance(slot, skip[k], size);
        filled++;
      }
    }
    return slots;
  }

  private static long advance(long slot, long skip, int size) {
    long next = slot + skip;
    return next >= size ? next - size : next;
  }

  /**
   * The server for a key's hash: the server owning the key's slot when usable, else the next usable
   * server found walking the table forward from that slot. The walk is the same on every gateway, and
   * since neighbouring slots belong to servers drawn by weight, an unusable server's keys spread over the
   * others by weight rather than piling onto one neighbour; keys of usable servers never move.
   *
   * @return an index into the list the table was built from, or -1 when no server is usable
   */
  public int lookup(long keyHash, IntPredicate usable) {
    int size = slots.length;
    if (size == 0) {
      return -1;
    }
    int slot = (int) Long.remainderUnsigned(keyHash, size);
    int rejected = slots[slot];
    if (usable.test(rejected)) {
      return rejected;
    }
    for (int step = 0; step < WALK_LIMIT; step++) {
      slot = slot + 1 == size ? 0 : slot + 1;
      int server = slots[slot];
      if (server != rejected) {
        if (usable.test(server)) {
          return server;
        }
        rejected = server;
      }
    }
    // Almost nothing usable: try every server once, in id order from a key-dependent start.
    int start = (int) Long.remainderUnsigned(keyHash, servers);
    for (int k = 0; k < servers; k++) {
      int server = byId[start + k < servers ? start + k : start + k - servers];
      if (usable.test(server)) {
        return server;
      }
    }
    return -1;
  }

  /** Number of slots. */
  public int tableSize() {
    return slots.length;
  }

  /** Number of servers the table was built from. */
  public int servers() {
    return servers;
  }

  /** The smallest prime at least {@link #MIN_TABLE_SIZE} and {@link #SLOTS_PER_SERVER} per server. */
  public static int tableSizeFor(int servers) {
    int candidate = (int) Math.max(MIN_TABLE_SIZE, Math.min(Integer.MAX_VALUE - 1L,
        (long) SLOTS_PER_SERVER * servers));
    while (!isPrime(candidate)) {
      candidate++;
    }
    return candidate;
  }

  static boolean isPrime(int value) {
    if (value < 2) {
      return false;
    }
    for (int divisor = 2; (long) divisor * divisor <= value; divisor++) {
      if (value % divisor == 0) {
        return false;
      }
    }
    return true;
  }
}
