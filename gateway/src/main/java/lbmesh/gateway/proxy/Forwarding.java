package lbmesh.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Locale;
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
    Set<String> named = connection == null ? Set.of() : Set.of(connection.toLowerCase(Locale.ROOT).split("\\s*,\\s*"));
    for (var e : from) {
      String k = e.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(k) && !named.contains(k)) {
        to.add(e.getKey(), e.getValue());
      }
    }
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
