package lbmesh.shared.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import lbmesh.shared.model.FieldError;

/** RFC 9457 problem details ({@code application/problem+json}), the only error body the mesh sends. */
public record Problem(int status, String title, String detail, List<FieldError> errors) {
  public static final String CONTENT_TYPE = "application/problem+json";

  public Problem {
    errors = errors == null ? List.of() : List.copyOf(errors);
  }

  public static Problem of(int status, String title, String detail) {
    return new Problem(status, title, detail, List.of());
  }

  public static Problem invalid(List<FieldError> errors) {
    String detail = errors.isEmpty() ? "the request body is invalid"
        : errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
        : errors.size() + " fields are invalid, first " + errors.get(0).field() + ": " + errors.get(0).message();
    return new Problem(400, "Invalid request", detail, errors);
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("type", "about:blank").put("title", title).put("status", status);
    if (detail != null) {
      j.put("detail", detail);
    }
    if (!errors.isEmpty()) {
      JsonArray a = new JsonArray();
      errors.forEach(e -> a.add(e.toJson()));
      j.put("errors", a);
    }
    return j;
  }

  /** Ends `response` with this problem (unless it already went out). */
  public void send(HttpServerResponse response) {
    if (response.ended() || response.headWritten()) {
      return;
    }
    response.setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE).end(toJson().encode());
  }
}
