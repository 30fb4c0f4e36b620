package lbmesh.shared.model;

import io.vertx.core.json.JsonObject;

/** A route: requests whose Host matches `host` (any when null) and whose path starts with `pathPrefix` go to `pool`. */
public record Route(String name, String host, String pathPrefix, String pool, long version) {

  public static Route parse(String name, JsonObject doc) {
    Object given = doc.getValue("name");
    if (given != null && !given.equals(name)) {
      throw new InvalidModelException("name", "does not match the route in the path ('" + name + "')");
    }
    JsonObject full = doc.copy().put("name", name);
    Schemas.check(Schemas.ROUTE, full);
    return fromJson(full);
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
