package lbmesh.shared.model;

import io.vertx.core.json.JsonObject;

/** One rejected field of a request body: the dotted field path and why. */
public record FieldError(String field, String message) {

  public JsonObject toJson() {
    return new JsonObject().put("field", field).put("message", message);
  }
}
