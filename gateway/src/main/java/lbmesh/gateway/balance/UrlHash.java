package lbmesh.gateway.balance;

import java.util.List;
import java.util.function.IntPredicate;

/**
 * Consistent hash of the request path, and optionally its query, over a {@link MaglevTable}: one URL
 * always goes to the same server (cache affinity), and on every gateway the same one.
 */
public final class UrlHash implements Balancer {

  private static final long SEED = 0x75726C;

  private final MaglevTable table;
  private final boolean includeQuery;

  /** Keys on the path, plus the query when {@code includeQuery}. */
  public UrlHash(List<BalancedServer> servers, boolean includeQuery) {
    this(new MaglevTable(servers), includeQuery);
  }

  /** Over an existing table, to reuse it while the server set and weights are unchanged. */
  public UrlHash(MaglevTable table, boolean includeQuery) {
    this.table = table;
    this.includeQuery = includeQuery;
  }

  @Override
  public int pick(PickRequest request, IntPredicate usable) {
    String path = request.path();
    long hash = XxHash64.hash(path == null ? "" : path, SEED);
    if (includeQuery) {
      String query = request.query();
      if (query != null && !query.isEmpty()) {
        hash = XxHash64.hash(query, hash); // chained rather than concatenated: no allocation
      }
    }
    return table.lookup(hash, usable);
  }

  @Override
  public int size() {
    return table.servers();
  }

  /** Whether the query is part of the key. */
  public boolean includesQuery() {
    return includeQuery;
  }
}
