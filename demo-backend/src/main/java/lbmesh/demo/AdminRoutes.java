package lbmesh.demo;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import java.util.function.Consumer;

/**
 * The reserved paths: {@code GET /health} (the target of health checks, switched by {@code POST
 * /admin/health}), {@code GET /health/live} and {@code /health/ready} (vertx-health-check: whether this
 * process is alive and its listeners are up, whatever {@code /health} is switched to), and the
 * {@code /admin/*} controls.
 */
final class AdminRoutes {

  /** Control bodies are one small JSON object; anything bigger is a mistake. */
  private static final long BODY_LIMIT = 4096;

  private final DemoBackend backend;

  AdminRoutes(DemoBackend backend) {
    this.backend = backend;
  }

  void mount(Router router) {
    router.get("/health").handler(this::health);
    HealthChecks live = HealthChecks.create(backend.vertx());
    live.register("event-loop", p -> p.complete(Status.OK()));
    HealthChecks ready = HealthChecks.create(backend.vertx());
    ready.register("listeners", p -> p.complete(backend.listening()
        ? Status.OK(new JsonObject().put("port", backend.port()).put("agentPort", backend.agentPort()))
        : Status.KO()));
    router.get("/health/live").handler(HealthCheckHandler.createWithHealthChecks(live));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(ready));
    router.post("/admin/health").handler(this::setHealth);
    router.post("/admin/agent").handler(this::setAgent);
    router.get("/admin/stats").handler(this::stats);
    router.post("/admin/stats/reset").handler(this::resetStats);
    router.route("/admin/*").handler(ctx -> fail(ctx, 404, "no such admin endpoint"));
  }

  private void health(RoutingContext ctx) {
    boolean ok = backend.healthy();
    reply(ctx, ok ? 200 : 503, new JsonObject().put("ok", ok));
  }

  private void setHealth(RoutingContext ctx) {
    withJsonBody(ctx, body -> {
      if (!(body.getValue("ok") instanceof Boolean ok)) {
        fail(ctx, 400, "expected {\"ok\": true|false}");
        return;
      }
      backend.setHealthy(ok);
      reply(ctx, 200, new JsonObject().put("ok", ok));
    });
  }

  private void setAgent(RoutingContext ctx) {
    withJsonBody(ctx, body -> {
      if (!(body.getValue("reply") instanceof String line)) {
        fail(ctx, 400, "expected {\"reply\": \"<agent line>\"}");
        return;
      }
      try {
        backend.setAgentReply(line);
      } catch (IllegalArgumentException e) {
        fail(ctx, 400, e.getMessage());
        return;
      }
      reply(ctx, 200, new JsonObject().put("reply", line));
    });
  }

  private void stats(RoutingContext ctx) {
    reply(ctx, 200, statsJson());
  }

  private void resetStats(RoutingContext ctx) {
    backend.resetStats();
    reply(ctx, 200, statsJson());
  }

  private JsonObject statsJson() {
    return backend.stats().toJson().put("id", backend.id()).put("port", backend.port());
  }

  /**
   * Reads a small JSON object body whatever its content type. Not vertx-web's BodyHandler: it
   * decodes {@code curl -d} bodies as forms and rejects {@code {"reply": "up 75%"}} as bad
   * percent-encoding.
   */
  private void withJsonBody(RoutingContext ctx, Consumer<JsonObject> action) {
    HttpServerRequest request = ctx.request();
    Buffer body = Buffer.buffer();
    request.handler(chunk -> {
      if (body.length() <= BODY_LIMIT) {
        body.appendBuffer(chunk); // past the limit, the rest is read and dropped
      }
    });
    request.endHandler(v -> {
      if (body.length() > BODY_LIMIT) {
        fail(ctx, 413, "body over " + BODY_LIMIT + " bytes");
        return;
      }
      JsonObject json;
      try {
        json = body.toJsonObject();
      } catch (RuntimeException e) { // DecodeException, or a JSON value that is not an object
        json = null;
      }
      if (json == null) {
        fail(ctx, 400, "body must be a JSON object");
      } else {
        action.accept(json);
      }
    });
  }

  private void fail(RoutingContext ctx, int status, String message) {
    reply(ctx, status, new JsonObject().put("error", message));
  }

  private void reply(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(DemoBackend.ID_HEADER, backend.id());
    Json.send(ctx.response(), body);
  }
}
