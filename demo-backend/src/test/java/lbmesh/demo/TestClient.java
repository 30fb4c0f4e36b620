package lbmesh.demo;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** A plain HTTP client for the tests, blocking the JUnit thread on Vert.x futures. */
final class TestClient {

  static final String HOST = "127.0.0.1";
  private static final long TIMEOUT_SECONDS = 30;

  /** A fully read response. */
  record Reply(int status, MultiMap headers, Buffer body) {
    JsonObject json() {
      return body.toJsonObject();
    }
  }

  private final Vertx vertx;
  private final HttpClient client;

  TestClient(Vertx vertx) {
    this.vertx = vertx;
    // the default pool of 5 connections would cap the concurrency tests
    this.client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(64));
  }

  HttpClient http() {
    return client;
  }

  Reply get(int port, String uri) {
    return await(getAsync(port, uri));
  }

  Reply get(int port, String uri, String header, String value) {
    return await(client.request(HttpMethod.GET, port, HOST, uri)
        .compose(req -> req.putHeader(header, value).send().compose(TestClient::read)));
  }

  Future<Reply> getAsync(int port, String uri) {
    return client.request(HttpMethod.GET, port, HOST, uri)
        .compose(req -> req.send().compose(TestClient::read));
  }

  Reply send(HttpMethod method, int port, String uri, String contentType, Buffer body) {
    return await(client.request(method, port, HOST, uri).compose(req -> {
      if (contentType != null) {
        req.putHeader("content-type", contentType);
      }
      return req.send(body).compose(TestClient::read);
    }));
  }

  Reply postJson(int port, String uri, String json) {
    return send(HttpMethod.POST, port, uri, "application/json", Buffer.buffer(json));
  }

  /** Sends {@code size} zero bytes as a chunked body, following back-pressure like a real client. */
  Reply upload(HttpMethod method, int port, String uri, long size) {
    return await(client.request(method, port, HOST, uri).compose(req -> {
      req.setChunked(true);
      new Pump(req, size).run();
      return req.response().compose(TestClient::read);
    }));
  }

  /**
   * Reads a whole response. Callers chain it inside the request's own callback ({@code req ->
   * req.send().compose(TestClient::read)}): chained one level out, on a future made off the event
   * loop, the body can arrive before the handler is set and the read never completes
   * (eclipse-vertx/vert.x#4705).
   */
  private static Future<Reply> read(HttpClientResponse resp) {
    return resp.body().map(body -> new Reply(resp.statusCode(), resp.headers(), body));
  }

  static <T> T await(Future<T> future) {
    try {
      return future.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no answer within " + TIMEOUT_SECONDS + " s", e);
    }
  }

  /** Waits for the future to complete and returns why it failed, or null if it succeeded. */
  static Throwable failure(Future<?> future) {
    return await(future.transform(ar -> Future.succeededFuture(ar.cause())));
  }

  /** Waits for a condition that only the server's side of a socket can make true. */
  void until(BooleanSupplier condition) {
    Promise<Void> met = Promise.promise();
    long timer = vertx.setPeriodic(5, id -> {
      if (condition.getAsBoolean()) {
        met.tryComplete();
      }
    });
    try {
      await(met.future());
    } finally {
      vertx.cancelTimer(timer);
    }
  }

  void close() {
    await(client.close());
  }

  /** Writes a request body chunk by chunk, pausing whenever the connection's queue is full. */
  private static final class Pump implements Runnable {
    private static final Buffer CHUNK = Buffer.buffer(new byte[64 * 1024]);
    private final HttpClientRequest request;
    private long remaining;

    Pump(HttpClientRequest request, long size) {
      this.request = request;
      this.remaining = size;
    }

    @Override
    public void run() {
      while (remaining > 0 && !request.writeQueueFull()) {
        int n = (int) Math.min(CHUNK.length(), remaining);
        request.write(n == CHUNK.length() ? CHUNK : CHUNK.slice(0, n));
        remaining -= n;
      }
      if (remaining > 0) {
        request.drainHandler(v -> run());
      } else {
        request.end();
      }
    }
  }
}
