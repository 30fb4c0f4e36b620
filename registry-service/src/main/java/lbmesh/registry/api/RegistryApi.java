package lbmesh.registry.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import lbmesh.registry.RegistryConfig;
import lbmesh.registry.store.Change;
import lbmesh.registry.store.Precondition;
import lbmesh.registry.store.RegistryCommands;
import lbmesh.registry.store.RegistryException;
import lbmesh.registry.store.RegistryStore;
import lbmesh.shared.http.BearerAuth;
import lbmesh.shared.http.Problem;
import lbmesh.shared.model.FieldError;
import lbmesh.shared.model.RegistrySnapshot;
import lbmesh.shared.model.RegistrySnapshot.PoolEntry;
import lbmesh.shared.model.Route;
import lbmesh.shared.model.Schemas;
import lbmesh.shared.model.Server;

/** The REST API for pools, servers and routes ({@code /api/v1}); writes go through {@link RegistryStore}. */
public final class RegistryApi {
  private static final Logger LOG = Logger.getLogger(RegistryApi.class.getName());
  static final String BASE = "/api/v1";

  private final RegistryStore store;
  private final ChangePublisher publisher;
  private final LoadReports loads;

  public RegistryApi(RegistryStore store, ChangePublisher publisher, LoadReports loads) {
    this.store = store;
    this.publisher = publisher;
    this.loads = loads;
  }

  /** Mounts the API on `router`. */
  public void mount(Vertx vertx, Router router, String adminToken) {
    router.route(BASE + "/*").handler(new BearerAuth(adminToken));
    router.route(BASE + "/*").handler(RegistryApi::requireJsonBody);
    router.route(BASE + "/*").handler(BodyHandler.create(false).setBodyLimit(RegistryConfig.MAX_BODY_BYTES));

    router.get(BASE + "/pools").handler(this::listPools);
    router.get(BASE + "/pools/:pool").handler(this::getPool);
    router.put(BASE + "/pools/:pool").handler(ctx -> write(ctx, s -> RegistryCommands.putPool(s, pool(ctx),
        body(ctx), pre(ctx)), c -> poolLocation(pool(ctx))));
    router.patch(BASE + "/pools/:pool").handler(ctx -> write(ctx, s -> RegistryCommands.patchPool(s, pool(ctx),
        body(ctx), pre(ctx)), null));
    router.delete(BASE + "/pools/:pool").handler(ctx -> write(ctx, s -> RegistryCommands.deletePool(s, pool(ctx),
        pre(ctx)), null));

    router.get(BASE + "/pools/:pool/servers").handler(this::listServers);
    router.post(BASE + "/pools/:pool/servers").handler(ctx -> write(ctx, s -> RegistryCommands.addServer(s,
        pool(ctx), body(ctx)), c -> serverLocation(pool(ctx), c.resource().getString("id"))));
    router.get(BASE + "/pools/:pool/servers/:id").handler(this::getServer);
    router.put(BASE + "/pools/:pool/servers/:id").handler(ctx -> write(ctx, s -> RegistryCommands.putServer(s,
        pool(ctx), ctx.pathParam("id"), body(ctx), pre(ctx)), c -> serverLocation(pool(ctx), ctx.pathParam("id"))));
    router.patch(BASE + "/pools/:pool/servers/:id").handler(ctx -> write(ctx, s -> RegistryCommands.patchServer(s,
        pool(ctx), ctx.pathParam("id"), body(ctx), pre(ctx)), null));
    router.delete(BASE + "/pools/:pool/servers/:id").handler(ctx -> write(ctx, s -> RegistryCommands.deleteServer(s,
        pool(ctx), ctx.pathParam("id"), pre(ctx)), null));
    router.put(BASE + "/pools/:pool/servers/:id/load").handler(this::putLoad);
    router.get(BASE + "/pools/:pool/servers/:id/load").handler(this::getLoad);

    router.get(BASE + "/routes").handler(this::listRoutes);
    router.get(BASE + "/routes/:name").handler(this::getRoute);
    router.put(BASE + "/routes/:name").handler(ctx -> write(ctx, s -> RegistryCommands.putRoute(s,
        ctx.pathParam("name"), body(ctx), pre(ctx)), c -> BASE + "/routes/" + ctx.pathParam("name")));
    router.delete(BASE + "/routes/:name").handler(ctx -> write(ctx, s -> RegistryCommands.deleteRoute(s,
        ctx.pathParam("name"), pre(ctx)), null));

    router.route(BASE + "/*").last().handler(ctx ->
        Problem.of(404, "Not Found", "no API resource at " + ctx.request().path()).send(ctx.response()));
    router.route(BASE + "/*").failureHandler(RegistryApi::failure);
  }

  // ---- reads

  private void listPools(RoutingContext ctx) {
    store.current().onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      JsonArray out = new JsonArray();
      ar.result().pools().values().forEach(e -> out.add(e.pool().toJson().put("servers", e.servers().size())));
      ctx.json(out);
    });
  }

  private void getPool(RoutingContext ctx) {
    read(ctx, s -> {
      PoolEntry e = RegistryCommands.requirePool(s, pool(ctx));
      return withEtag(ctx, e.pool().toJson(), e.pool().version());
    });
  }

  private void listServers(RoutingContext ctx) {
    read(ctx, s -> {
      JsonArray out = new JsonArray();
      RegistryCommands.requirePool(s, pool(ctx)).servers().values().forEach(v -> out.add(v.toJson()));
      return out;
    });
  }

  private void getServer(RoutingContext ctx) {
    read(ctx, s -> {
      Server v = RegistryCommands.requirePool(s, pool(ctx)).servers().get(ctx.pathParam("id"));
      if (v == null) {
        throw RegistryException.notFound("server '" + ctx.pathParam("id") + "' in pool '" + pool(ctx) + "'");
      }
      return withEtag(ctx, v.toJson(), v.version());
    });
  }

  private void listRoutes(RoutingContext ctx) {
    read(ctx, s -> {
      JsonArray out = new JsonArray();
      s.routes().values().forEach(r -> out.add(r.toJson()));
      return out;
    });
  }

  private void getRoute(RoutingContext ctx) {
    read(ctx, s -> {
      Route r = s.routes().get(ctx.pathParam("name"));
      if (r == null) {
        throw RegistryException.notFound("route '" + ctx.pathParam("name") + "'");
      }
      return withEtag(ctx, r.toJson(), r.version());
    });
  }

  // ---- agent load reports (pushed)

  private void putLoad(RoutingContext ctx) {
    String pool = pool(ctx);
    String id = ctx.pathParam("id");
    JsonObject report;
    try {
      report = body(ctx);
      Schemas.check(Schemas.LOAD, report);
    } catch (lbmesh.shared.model.InvalidModelException e) {
      Problem.invalid(e.errors()).send(ctx.response());
      return;
    }
    store.current()
        .map(s -> {
          Server v = RegistryCommands.requirePool(s, pool).servers().get(id);
          if (v == null) {
            throw RegistryException.notFound("server '" + id + "' in pool '" + pool + "'");
          }
          return v;
        })
        .compose(v -> loads.put(pool, id, report))
        .onSuccess(stored -> ctx.json(stored))
        .onFailure(ctx::fail);
  }

  private void getLoad(RoutingContext ctx) {
    loads.get(pool(ctx), ctx.pathParam("id")).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else if (ar.result() == null) {
        Problem.of(404, "Not Found", "no load report for server '" + ctx.pathParam("id") + "'").send(ctx.response());
      } else {
        ctx.json(ar.result());
      }
    });
  }

  // ---- plumbing

  private void read(RoutingContext ctx, Function<RegistrySnapshot, Object> view) {
    store.current().map(view).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else {
        ctx.json(ar.result());
      }
    });
  }

  private static Object withEtag(RoutingContext ctx, JsonObject resource, long version) {
    ctx.response().putHeader("ETag", Precondition.etag(version));
    return resource;
  }

  /** Runs a write, publishes its events, answers 201 + Location (created), 200 + body, or 204. */
  private void write(RoutingContext ctx, Function<RegistrySnapshot, Change> command,
      Function<Change, String> location) {
    Future<Change> f;
    try {
      // parse the body before taking the cluster lock: malformed input never costs a lock round trip
      if (ctx.body().length() > 0) {
        body(ctx);
      }
      f = store.update(command);
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    f.onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      Change c = ar.result();
      publisher.publish(c);
      var resp = ctx.response();
      if (c.resource() == null) {
        resp.setStatusCode(204).end();
        return;
      }
      long version = c.resource().getLong("version");
      resp.putHeader("ETag", Precondition.etag(version));
      if (c.created() && location != null) {
        resp.setStatusCode(201).putHeader("Location", location.apply(c));
      }
      ctx.json(c.resource());
    });
  }

  private static String pool(RoutingContext ctx) {
    return ctx.pathParam("pool");
  }

  private static Precondition pre(RoutingContext ctx) {
    return new Precondition(ctx.request().getHeader("If-Match"), ctx.request().getHeader("If-None-Match"));
  }

  private static String poolLocation(String pool) {
    return BASE + "/pools/" + pool;
  }

  private static String serverLocation(String pool, String id) {
    return BASE + "/pools/" + pool + "/servers/" + id;
  }

  /** The request body as a JSON object; malformed JSON or another JSON type is a 400 naming the body. */
  static JsonObject body(RoutingContext ctx) {
    Buffer b = ctx.body().buffer();
    if (b == null || b.length() == 0) {
      throw RegistryException.invalid(List.of(new FieldError("(body)", "a JSON object is required")));
    }
    Object v;
    try {
      v = Json.decodeValue(b);
    } catch (DecodeException e) {
      throw RegistryException.invalid(List.of(new FieldError("(body)", "malformed JSON: " + e.getMessage())));
    }
    if (!(v instanceof JsonObject o)) {
      throw RegistryException.invalid(List.of(new FieldError("(body)", "must be a JSON object")));
    }
    return o;
  }

  /** Writes carry JSON: anything else is 415 before a byte of the body is read. */
  private static void requireJsonBody(RoutingContext ctx) {
    var m = ctx.request().method();
    boolean hasBody = m == io.vertx.core.http.HttpMethod.POST || m == io.vertx.core.http.HttpMethod.PUT
        || m == io.vertx.core.http.HttpMethod.PATCH;
    String ct = ctx.request().getHeader("Content-Type");
    if (hasBody && ct != null && !ct.toLowerCase(java.util.Locale.ROOT).contains("json")) {
      Problem.of(415, "Unsupported Media Type", "send the body as JSON with 'Content-Type: application/json'"
          + " (got '" + ct + "')").send(ctx.response());
      return;
    }
    ctx.next();
  }

  private static void failure(RoutingContext ctx) {
    Throwable t = ctx.failure();
    if (t instanceof RegistryException re) {
      Problem p = re.problem();
      if (p.status() >= 500) {
        LOG.warning(() -> ctx.request().method() + " " + ctx.request().path() + ": " + p.detail());
      }
      p.send(ctx.response());
    } else if (ctx.statusCode() == 413) {
      Problem.of(413, "Content Too Large", "the request body exceeds " + RegistryConfig.MAX_BODY_BYTES + " bytes")
          .send(ctx.response());
    } else if (ctx.statusCode() > 0 && ctx.statusCode() < 500) {
      Problem.of(ctx.statusCode(), "Bad Request", t == null ? "request refused" : t.getMessage())
          .send(ctx.response());
    } else {
      LOG.log(Level.SEVERE, ctx.request().method() + " " + ctx.request().path() + " failed; state unchanged", t);
      Problem.of(500, "Internal Server Error", "the change was not applied: "
          + (t == null ? "unknown error" : t.getClass().getSimpleName() + ": " + t.getMessage())).send(ctx.response());
    }
  }
}
