package lbmesh.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Set;

/** Header rules of a proxy hop (RFC 9110 section 7.6.1): hop-by-hop headers stay, forwarding headers are added. */
public final class Forwarding {
  static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");

  private Forwarding() {
  }

  /** Copies `from` into `to` without hop-by-hop headers (including those the Connection header names). */
  public static void copyEndToEnd(MultiMap from, MultiMap to) {
    String connection = from.get(HttpHeaders.CONNECTION);
    String[] named = connection == null ? null : connection.split("\\s*,\\s*");
    for (var e : from) {
      String k = e.getKey();
      if (!isHopByHop(k) && (named == null || !isNamed(named, k))) {
        to.add(k, e.getValue());
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

  private static boolean isNamed(String[] named, String name) {
    for (String n : named) {
      if (n.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /** Adds X-Forwarded-For (appended to any the client sent), -Proto and -Host. */
  public static void addForwarded(MultiMap headers, String clientIp, String scheme, String host) {
    String xff = headers.get("X-Forwarded-For");
    headers.set("X-Forwarded-For", xff == null || xff.isBlank() ? clientIp : xff + ", " + clientIp);
    headers.set("X-Forwarded-Proto", scheme);
    if (host != null) {
      headers.set("X-Forwarded-Host", host);
    }
  }
}
