package lbmesh.health.check;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;

/**
 * HTTP check: {@code cfg.method} {@code cfg.path} on the server, a status within {@code expectStatus} and,
 * when {@code bodyContains} is set, that text within the first 64 KiB of the body; all within
 * {@code timeoutMs} (connect, headers and body together).
 */
final class HttpProbe implements HealthProbe {
  static final int MAX_BODY_BYTES = 64 * 1024;

  private final Vertx vertx;
  // one connection per check, closed after it, as HAProxy does: a check also proves that connecting works
  private final HttpClient client;

  HttpProbe(Vertx vertx) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @Override
  public Future<ProbeResult> probe(Server server, Pool.HealthCheck cfg) {
    long start = System.nanoTime();
    StatusRange expect;
    try {
      expect = StatusRange.parse(cfg.expectStatus());
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(ProbeResult.failed(e.getMessage(), 0));
    }
    Promise<ProbeResult> result = Promise.promise();
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    long timer = vertx.setTimer(Math.max(1, cfg.timeoutMs()), t -> {
      if (result.tryComplete(ProbeResult.failed(FailureReason.TIMEOUT, FailureReason.millisSince(start)))) {
        HttpClientRequest r = sent.get();
        if (r != null) {
          r.reset();
        }
      }
    });
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.valueOf(cfg.method() == null ? "GET" : cfg.method()))
        .setHost(server.host()) // also the Host header (host:port unless the port is the default)
        .setPort(server.port())
        .setURI(cfg.path() == null ? "/" : cfg.path())
        .setConnectTimeout(cfg.timeoutMs());
    client.request(options)
        .compose(request -> {
          sent.set(request);
          if (result.future().isComplete()) { // timed out while connecting
            request.reset();
          }
          return request.send();
        })
        .onSuccess(response -> judge(response, expect, cfg.bodyContains(), start, result))
        .onFailure(e -> result.tryComplete(ProbeResult.failed(FailureReason.of(e), FailureReason.millisSince(start))));
    return result.future().andThen(done -> vertx.cancelTimer(timer));
  }

  private static void judge(HttpClientResponse response, StatusRange expect, String bodyContains, long start,
      Promise<ProbeResult> result) {
    int status = response.statusCode();
    String verdict = "status " + status;
    if (!expect.contains(status) || bodyContains == null || bodyContains.isEmpty()) {
      ProbeResult r = expect.contains(status)
          ? ProbeResult.passed(verdict, FailureReason.millisSince(start))
          : ProbeResult.failed(verdict, FailureReason.millisSince(start));
      result.tryComplete(r);
      response.request().connection().close(); // the body is of no interest
      return;
    }
    Buffer body = Buffer.buffer();
    Runnable finish = () -> {
      boolean found = body.toString(StandardCharsets.UTF_8).contains(bodyContains);
      result.tryComplete(found
          ? ProbeResult.passed(verdict, FailureReason.millisSince(start))
          : ProbeResult.failed("body lacks \"" + bodyContains + "\"", FailureReason.millisSince(start)));
    };
    response.exceptionHandler(e -> result.tryComplete(
        ProbeResult.failed(FailureReason.of(e), FailureReason.millisSince(start))));
    response.handler(chunk -> {
      if (result.future().isComplete()) {
        return;
      }
      int room = MAX_BODY_BYTES - body.length();
      if (chunk.length() < room) {
        body.appendBuffer(chunk);
        return;
      }
      body.appendBuffer(chunk, 0, room);
      finish.run();
      response.request().connection().close(); // read no further than the limit
    });
    response.endHandler(v -> finish.run());
  }

  @Override
  public Future<Void> close() {
    return client.close();
  }
}
