package lbmesh.demo;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * A snapshot of the traffic one backend has seen since its last reset.
 *
 * <p>Only traffic counts: {@code GET /health} and {@code /admin/*} are left out, so health checks do
 * not disturb what a test asserts. A WebSocket session counts as one request, in flight until it
 * closes.
 *
 * @param totalRequests requests that arrived since the last reset
 * @param inFlight requests whose response has neither ended nor lost its connection (never reset)
 * @param maxInFlight the highest {@code inFlight} seen since the last reset
 * @param methods requests per HTTP method since the last reset
 */
public record BackendStats(long totalRequests, int inFlight, int maxInFlight, Map<String, Long> methods) {

  public BackendStats {
    methods = Map.copyOf(methods);
  }

  public JsonObject toJson() {
    JsonObject byMethod = new JsonObject();
    methods.forEach(byMethod::put);
    return new JsonObject()
        .put("totalRequests", totalRequests)
        .put("inFlight", inFlight)
        .put("maxInFlight", maxInFlight)
        .put("methods", byMethod);
  }
}
