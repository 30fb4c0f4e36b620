package lbmesh.registry.store;

import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import lbmesh.shared.event.EventType;
import lbmesh.shared.model.FieldError;
import lbmesh.shared.model.InvalidModelException;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.RegistrySnapshot;
import lbmesh.shared.model.RegistrySnapshot.PoolEntry;
import lbmesh.shared.model.Route;
import lbmesh.shared.model.Server;

/**
 * Every registry write as a pure function from the current state to a {@link Change}: validation,
 * preconditions and referential rules live here, with no I/O, so they run inside the store's lock.
 */
public final class RegistryCommands {
  private static final SecureRandom RANDOM = new SecureRandom();

  private RegistryCommands() {
  }

  // ---- pools

  public static Change putPool(RegistrySnapshot s, String name, JsonObject body, Precondition pre) {
    PoolEntry existing = s.pool(name);
    pre.check("pool '" + name + "'", existing == null ? null : existing.pool().version());
    Pool p = parse(() -> Pool.parse(name, body));
    return savePool(s, p, existing == null);
  }

  public static Change patchPool(RegistrySnapshot s, String name, JsonObject patch, Precondition pre) {
    PoolEntry existing = requirePool(s, name);
    pre.check("pool '" + name + "'", existing.pool().version());
    JsonObject current = existing.pool().toJson();
    current.remove("version");
    Pool p = parse(() -> Pool.parse(name, MergePatch.apply(current, patch)));
    return savePool(s, p, false);
  }

  private static Change savePool(RegistrySnapshot s, Pool p, boolean created) {
    RegistrySnapshot next = s.withPool(p);
    JsonObject resource = next.pool(p.name()).pool().toJson();
    return Change.of(next, EventType.POOL_UPDATED, new JsonObject().put("pool", resource).put("created", created),
        resource, created);
  }

  public static Change deletePool(RegistrySnapshot s, String name, Precondition pre) {
    PoolEntry existing = requirePool(s, name);
    pre.check("pool '" + name + "'", existing.pool().version());
    if (!existing.servers().isEmpty()) {
      throw RegistryException.conflict("pool '" + name + "' still has " + existing.servers().size()
          + " servers; remove them first", List.of());
    }
    List<String> routes = s.routes().values().stream().filter(r -> r.pool().equals(name)).map(Route::name).toList();
    if (!routes.isEmpty()) {
      throw RegistryException.conflict("pool '" + name + "' is the target of routes " + routes
          + "; change or remove them first", List.of());
    }
    RegistrySnapshot next = s.withoutPool(name);
    return Change.of(next, EventType.POOL_REMOVED, new JsonObject().put("name", name), null, false);
  }

  // ---- servers

  /** POST: adds a server; its id is generated when the body has none. */
  public static Change addServer(RegistrySnapshot s, String pool, JsonObject body) {
    PoolEntry e = requirePool(s, pool);
    Object given = body.getValue("id");
    if (given != null && !(given instanceof String)) {
      throw RegistryException.invalid(List.of(new FieldError("id", "must be a string")));
    }
    String id = (String) given;
    if (given == null) {
      do {
        id = "srv-" + HexFormat.of().formatHex(randomBytes());
      } while (e.servers().containsKey(id));
    }
    String finalId = id;
    Server server = parse(() -> Server.parse(finalId, body));
    if (e.servers().containsKey(server.id())) {
      throw RegistryException.conflict("server '" + server.id() + "' already exists in pool '" + pool
          + "'; use PUT or PATCH to change it", List.of(new FieldError("id", "already exists")));
    }
    return saveServer(s, pool, server, null);
  }

  public static Change putServer(RegistrySnapshot s, String pool, String id, JsonObject body, Precondition pre) {
    PoolEntry e = requirePool(s, pool);
    Server existing = e.servers().get(id);
    pre.check("server '" + id + "'", existing == null ? null : existing.version());
    Server server = parse(() -> Server.parse(id, body));
    return saveServer(s, pool, server, existing);
  }

  public static Change patchServer(RegistrySnapshot s, String pool, String id, JsonObject patch, Precondition pre) {
    PoolEntry e = requirePool(s, pool);
    Server existing = e.servers().get(id);
    if (existing == null) {
      throw RegistryException.notFound("server '" + id + "' in pool '" + pool + "'");
    }
    pre.check("server '" + id + "'", existing.version());
    JsonObject current = existing.toJson();
    current.remove("version");
    Server server = parse(() -> Server.parse(id, MergePatch.apply(current, patch)));
    return saveServer(s, pool, server, existing);
  }

  private static Change saveServer(RegistrySnapshot s, String pool, Server server, Server previous) {
    PoolEntry e = s.pool(pool);
    for (Server other : e.servers().values()) {
      if (!other.id().equals(server.id()) && other.address().equalsIgnoreCase(server.address())) {
        throw RegistryException.conflict(server.address() + " is already server '" + other.id() + "' of pool '"
            + pool + "'", List.of(new FieldError("port", "host:port " + server.address()
            + " already used by server '" + other.id() + "'")));
      }
    }
    RegistrySnapshot next = s.withServer(pool, server);
    JsonObject resource = next.pool(pool).servers().get(server.id()).toJson();
    JsonObject data = new JsonObject().put("pool", pool).put("server", resource);
    if (previous != null) {
      data.put("previous", previous.toJson());
    }
    return Change.of(next, previous == null ? EventType.SERVER_ADDED : EventType.SERVER_UPDATED, data, resource,
        previous == null);
  }

  public static Change deleteServer(RegistrySnapshot s, String pool, String id, Precondition pre) {
    PoolEntry e = requirePool(s, pool);
    Server existing = e.servers().get(id);
    if (existing == null) {
      throw RegistryException.notFound("server '" + id + "' in pool '" + pool + "'");
    }
    pre.check("server '" + id + "'", existing.version());
    RegistrySnapshot next = s.withoutServer(pool, id);
    return Change.of(next, EventType.SERVER_REMOVED,
        new JsonObject().put("pool", pool).put("id", id).put("server", existing.toJson()), null, false);
  }

  // ---- routes

  public static Change putRoute(RegistrySnapshot s, String name, JsonObject body, Precondition pre) {
    Route existing = s.routes().get(name);
    pre.check("route '" + name + "'", existing == null ? null : existing.version());
    Route r = parse(() -> Route.parse(name, body));
    if (s.pool(r.pool()) == null) {
      throw RegistryException.invalid(List.of(new FieldError("pool", "pool '" + r.pool() + "' does not exist")));
    }
    RegistrySnapshot next = s.withRoute(r);
    JsonObject resource = next.routes().get(name).toJson();
    return Change.of(next, EventType.ROUTE_UPDATED, new JsonObject().put("route", resource), resource,
        existing == null);
  }

  public static Change deleteRoute(RegistrySnapshot s, String name, Precondition pre) {
    Route existing = s.routes().get(name);
    if (existing == null) {
      throw RegistryException.notFound("route '" + name + "'");
    }
    pre.check("route '" + name + "'", existing.version());
    RegistrySnapshot next = s.withoutRoute(name);
    return Change.of(next, EventType.ROUTE_REMOVED, new JsonObject().put("name", name), null, false);
  }

  // ---- helpers

  public static PoolEntry requirePool(RegistrySnapshot s, String name) {
    PoolEntry e = s.pool(name);
    if (e == null) {
      throw RegistryException.notFound("pool '" + name + "'");
    }
    return e;
  }

  private static <T> T parse(java.util.function.Supplier<T> parser) {
    try {
      return parser.get();
    } catch (InvalidModelException e) {
      throw RegistryException.invalid(e.errors());
    }
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[4];
    RANDOM.nextBytes(b);
    return b;
  }
}
