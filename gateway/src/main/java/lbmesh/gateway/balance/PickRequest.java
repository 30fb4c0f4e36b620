package lbmesh.gateway.balance;

/** What a hash algorithm may key on for one request. Any field may be null when the proxy lacks it. */
public interface PickRequest {

  /** Client address as the proxy sees it (an IP literal, without port). */
  String clientAddress();

  /** Request path, without the query. */
  String path();

  /** Raw query string without the leading '?', or null when there is none. */
  String query();

  /** A request made of plain values. */
  static PickRequest of(String clientAddress, String path, String query) {
    return new Values(clientAddress, path, query);
  }

  /** Plain-values request, for callers that have no request object of their own to adapt. */
  record Values(String clientAddress, String path, String query) implements PickRequest {}
}
