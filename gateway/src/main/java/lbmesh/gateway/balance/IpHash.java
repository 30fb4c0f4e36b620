package lbmesh.gateway.balance;

import java.util.List;
import java.util.function.IntPredicate;

/**
 * Consistent hash of the client address over a {@link MaglevTable}: a client stays on one server while
 * the server set is unchanged, and on every gateway the same one.
 */
public final class IpHash implements Balancer {

  private static final long SEED = 0x6970;

  private final MaglevTable table;

  public IpHash(List<BalancedServer> servers) {
    this(new MaglevTable(servers));
  }

  /** Over an existing table, to reuse it while the server set and weights are unchanged. */
  public IpHash(MaglevTable table) {
    this.table = table;
  }

  @Override
  public int pick(PickRequest request, IntPredicate usable) {
    String address = request.clientAddress();
    return table.lookup(XxHash64.hash(address == null ? "" : address, SEED), usable);
  }

  @Override
  public int size() {
    return table.servers();
  }
}
