package lbmesh.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Header rules of a proxy hop (RFC 9110 section 7.6.1): hop-by-hop headers stay, forwarding headers are added. */
public final class Forwarding {
  static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");

  private Forwarding() {
  }

  /**
   * Removes the hop-by-hop headers from `headers` in place, including those the Connection header names.
   * In place because copying every header into a new map cost the gateway more than anything else it
   * does per request; the common case (no hop-by-hop header but `Connection: keep-alive`) allocates nothing
   * beyond the iterator.
   */
  public static void stripHopByHop(HttpHeaders headers) {
    String connection = headers.get(HttpHeaderNames.CONNECTION);
    if (connection != null && (connection.equalsIgnoreCase("keep-alive") || connection.equalsIgnoreCase("close"))) {
      // the usual values name no other header: skip matching every header against them
      connection = null;
    }
    List<String> doomed = null;
    for (Map.Entry<String, String> e : headers) {
      String k = e.getKey();
      if (isHopByHop(k) || (connection != null && isNamed(connection, k))) {
        if (doomed == null) {
          doomed = new ArrayList<>(4);
        }
        doomed.add(k);
      }
    }
    if (doomed != null) {
      for (String k : doomed) {
        headers.remove(k);
      }
    }
  }

  /** Case-insensitive match against {@link #HOP_BY_HOP} without allocating (this runs for every header). */
  static boolean isHopByHop(String name) {
    return switch (name.length()) {
      case 2 -> name.equalsIgnoreCase("te");
      case 7 -> name.equalsIgnoreCase("upgrade") || name.equalsIgnoreCase("trailer");
      case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
      case 16 -> name.equalsIgnoreCase("proxy-connection");
      case 17 -> name.equalsIgnoreCase("transfer-encoding");
      case 18 -> name.equalsIgnoreCase("proxy-authenticate");
      case 19 -> name.equalsIgnoreCase("proxy-authorization");
      default -> false;
    };
  }

  /** Whether the comma-separated Connection header value names `name` (case-insensitive, no allocation). */
  static boolean isNamed(String connection, String name) {
    int i = 0;
    int n = connection.length();
    while (i < n) {
      int end = connection.indexOf(',', i);
      if (end < 0) {
        end = n;
      }
      int s = i;
      int e = end;
      while (s < e && connection.charAt(s) <= ' ') {
        s++;
      }
      while (e > s && connection.charAt(e - 1) <= ' ') {
        e--;
      }
      if (e - s == name.length() && connection.regionMatches(true, s, name, 0, name.length())) {
        return true;
      }
      i = end + 1;
    }
    return false;
  }

  /** Adds X-Forwarded-For (appended to any the client sent), -Proto and -Host. */
  public static void addForwarded(HttpHeaders headers, String clientIp, String scheme, String host) {
    String xff = headers.get("X-Forwarded-For");
    headers.set("X-Forwarded-For", xff == null || xff.isBlank() ? clientIp : xff + ", " + clientIp);
    headers.set("X-Forwarded-Proto", scheme);
    if (host != null) {
      headers.set("X-Forwarded-Host", host);
    }
  }
}
