package lbmesh.registry.store;

import io.vertx.core.json.JsonObject;

/** JSON Merge Patch (RFC 7396): hand-written because neither Vert.x nor its JSON library provides one. */
public final class MergePatch {
  private MergePatch() {
  }

  /** A new document: `target` with `patch` applied (a null member removes the field). */
  public static JsonObject apply(JsonObject target, JsonObject patch) {
    JsonObject out = target == null ? new JsonObject() : target.copy();
    for (String key : patch.fieldNames()) {
      Object value = patch.getValue(key);
      if (value == null) {
        out.remove(key);
      } else if (value instanceof JsonObject p) {
        Object current = out.getValue(key);
        out.put(key, apply(current instanceof JsonObject c ? c : new JsonObject(), p));
      } else {
        out.put(key, value);
      }
    }
    return out;
  }
}
