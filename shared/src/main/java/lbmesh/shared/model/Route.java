package lbmesh.shared.model;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** A route: requests whose Host matches `host` (any when null) and whose path starts with `pathPrefix` go to `pool`. */
public record Route(String name, String host, String pathPrefix, String pool, long version) {

  public static Route parse(String name, JsonObject doc) {
    List<FieldError> errors = new ArrayList<>(Schemas.validate(Schemas.ROUTE, doc));
    if (errors.isEmpty() && doc.getValue("name") != null && !doc.getValue("name").equals(name)) {
      errors.add(new FieldError("name", "does not match the route in the path ('" + name + "')"));
    }
    if (!errors.isEmpty()) {
      throw new InvalidModelException(errors);
    }
    return fromJson(doc.copy().put("name", name));
  }

  public static Route fromJson(JsonObject j) {
    return new Route(j.getString("name"), j.getString("host"), j.getString("pathPrefix"), j.getString("pool"),
        j.getLong("version", 0L));
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("host", host).put("pathPrefix", pathPrefix).put("pool", pool)
        .put("version", version);
  }

  public Route withVersion(long v) {
    return new Route(name, host, pathPrefix, pool, v);
  }
}
