package lbmesh.gateway.balance;

/** Live per-server load signals, read at pick time by index into the balancer's server list. */
public interface LoadView {

  /** No signals: nothing in flight, latency unknown. For algorithms that ignore load, and for tests. */
  LoadView NONE = new LoadView() {
    @Override
    public long inflight(int index) {
      return 0;
    }

    @Override
    public double latencyMillis(int index) {
      return Double.NaN;
    }
  };

  /** Requests in flight to the server: cluster-wide once other gateways' reports are added in. */
  long inflight(int index);

  /** EWMA of the server's response time in milliseconds; a value {@code <= 0} or NaN means unknown. */
  double latencyMillis(int index);
}
