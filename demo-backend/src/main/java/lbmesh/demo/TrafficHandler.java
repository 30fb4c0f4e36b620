package lbmesh.demo;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Map;

/**
 * Answers ordinary traffic (every path but the reserved ones): the identity JSON, shaped by {@code
 * ?delay}, {@code ?status} and {@code ?size}, and {@code /echo}.
 */
final class TrafficHandler implements Handler<RoutingContext> {

  static final String ECHO_PATH = "/echo";

  private final Vertx vertx;
  private final DemoBackend backend;
  private final TrafficCounter counter;

  TrafficHandler(Vertx vertx, DemoBackend backend, TrafficCounter counter) {
    this.vertx = vertx;
    this.backend = backend;
    this.counter = counter;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    // Counted before anything can fail, and released by whichever comes first: the response ends,
    // or its connection closes (client gone, or the backend killed).
    Runnable finished = counter.begin(request.method().name());
    response.endHandler(v -> finished.run());
    response.closeHandler(v -> finished.run());
    response.putHeader(DemoBackend.ID_HEADER, backend.id());

    ResponseShape shape;
    try {
      shape = ResponseShape.parse(request.params());
    } catch (IllegalArgumentException e) { // also a malformed query string
      Json.send(response.setStatusCode(400), new JsonObject().put("error", e.getMessage()));
      return;
    }
    if (ECHO_PATH.equals(request.path())) {
      echo(request, response, shape);
    } else {
      answer(request, response, shape);
    }
  }

  /** Pipes the request body back; the pipe's back-pressure keeps memory flat for any size. */
  private void echo(HttpServerRequest request, HttpServerResponse response, ResponseShape shape) {
    request.pause(); // hold the body until the delay is over: unread data would otherwise be lost
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    response
        .setStatusCode(shape.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, type != null ? type : "application/octet-stream");
    if (length != null) {
      response.putHeader(HttpHeaders.CONTENT_LENGTH, length);
    } else {
      response.setChunked(true);
    }
    after(shape.delayMs(), response, () -> request.pipeTo(response));
  }

  /** Consumes the body as a stream, counting it, then answers once the delay is over. */
  private void answer(HttpServerRequest request, HttpServerResponse response, ResponseShape shape) {
    long[] received = {0};
    Runnable reply = () -> after(shape.delayMs(), response, () -> {
      response.setStatusCode(shape.status());
      if (shape.bodyForbidden() || request.method() == HttpMethod.HEAD) {
        response.end();
      } else if (shape.size() >= 0) {
        SizedBody.send(response, shape.size());
      } else {
        Json.send(response, identity(request, received[0]));
      }
    });
    if (request.isEnded()) {
      reply.run();
    } else {
      request.handler(chunk -> received[0] += chunk.length());
      request.endHandler(v -> reply.run());
    }
  }

  private void after(long requestedDelayMs, HttpServerResponse response, Runnable action) {
    long delayMs = requestedDelayMs + backend.baseDelayMs();
    Runnable guarded = () -> {
      if (!response.closed()) { // the client may have left while we waited
        action.run();
      }
    };
    if (delayMs == 0) {
      guarded.run();
    } else {
      vertx.setTimer(delayMs, id -> guarded.run());
    }
  }

  private JsonObject identity(HttpServerRequest request, long receivedBytes) {
    JsonObject headers = new JsonObject();
    // Lower-case names so a test finds a header whatever case the client or proxy used; repeated
    // headers are joined as HTTP allows.
    for (Map.Entry<String, String> header : request.headers()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      String seen = headers.getString(name);
      headers.put(name, seen == null ? header.getValue() : seen + ", " + header.getValue());
    }
    String query = request.query();
    JsonObject json = new JsonObject()
        .put("id", backend.id())
        .put("port", backend.port())
        .put("method", request.method().name())
        .put("path", request.path())
        .put("query", query == null ? "" : query)
        .put("headers", headers);
    if (receivedBytes > 0 || hasBody(request.method())) {
      json.put("receivedBytes", receivedBytes);
    }
    return json;
  }

  private static boolean hasBody(HttpMethod method) {
    return method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH;
  }
}
