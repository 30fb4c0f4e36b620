package lbmesh.systest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/** One HTTP answer as the suite sees it: status, headers (names lower-cased) and body. */
public record Answer(int status, Map<String, List<String>> headers, String body) {

  /** The first value of a header, or null. */
  public String header(String name) {
    List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  public List<String> headerValues(String name) {
    return headers.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), List.of());
  }

  public boolean ok() {
    return status >= 200 && status < 300;
  }

  public JsonObject json() {
    return new JsonObject(body);
  }

  public JsonArray jsonArray() {
    return new JsonArray(body);
  }

  /** The server that answered, as the gateway names it (X-LB-Server). */
  public String server() {
    return header("X-LB-Server");
  }

  @Override
  public String toString() {
    String b = body == null ? "" : body.length() > 300 ? body.substring(0, 300) + "..." : body;
    return status + " " + headers + " " + b;
  }
}
