package lbmesh.gateway.balance;

/**
 * Per-thread scratch arrays, so a pick that must look at every server takes one consistent snapshot of
 * the live signals without allocating. Event-loop threads are few and long-lived, so one static
 * ThreadLocal (not one per balancer, which routing-table rebuilds would leak) is enough. A pick must not
 * run inside another pick on the same thread: {@link Balancer#pick}'s predicate is forbidden to pick.
 */
final class PickScratch {

  private static final ThreadLocal<PickScratch> PER_THREAD = ThreadLocal.withInitial(PickScratch::new);

  int[] indexes = new int[0];
  double[] first = new double[0];
  double[] second = new double[0];
  double[] third = new double[0];
  boolean[] flags = new boolean[0];

  private PickScratch() {}

  /** This thread's scratch, with room for at least {@code servers} entries in every array. */
  static PickScratch forThread(int servers) {
    PickScratch scratch = PER_THREAD.get();
    if (scratch.indexes.length < servers) {
      scratch.indexes = new int[servers];
      scratch.first = new double[servers];
      scratch.second = new double[servers];
      scratch.third = new double[servers];
      scratch.flags = new boolean[servers];
    }
    return scratch;
  }
}
