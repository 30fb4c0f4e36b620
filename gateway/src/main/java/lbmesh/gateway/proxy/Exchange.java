package lbmesh.gateway.proxy;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import lbmesh.gateway.GatewayState;
import lbmesh.gateway.admin.GatewayMetrics.ServerMeters;
import lbmesh.gateway.balance.PickRequest;
import lbmesh.gateway.health.OutlierDetector;
import lbmesh.gateway.route.PoolTable;
import lbmesh.gateway.route.ServerSlot;
import lbmesh.gateway.sticky.StickStore;
import lbmesh.gateway.sticky.StickyCookie;
import lbmesh.shared.event.EventType;
import lbmesh.shared.model.Pool;
import lbmesh.shared.http.Problem;

/**
 * One client request through the gateway: pick a server, forward, retry on another server when that
 * is safe, stream the answer back. Runs on the event loop of the client connection.
 *
 * <p>Retries: a connect failure is retried for any method (the body has not been read yet); a failure
 * before the first response byte is retried only for idempotent methods without a body, since a
 * streamed body cannot be replayed. Each retry needs the pool's `retries` and the {@link RetryBudget}.
 */
final class Exchange implements PickRequest {
  private final GatewayState state;
  private final BackendClients backends;
  private final HttpServerRequest req;
  private final PoolTable pool;
  private final boolean hasBody;
  private final boolean idempotent;
  private final long now = System.currentTimeMillis();
  private final ServerChoice choice;
  private int attempts;
  private boolean clientGone;
  private Attempt current;

  /**
   * One try against one server. Its deadline is the connect timeout until the upstream request exists,
   * then the response-header timeout until the response head arrives.
   */
  private final class Attempt extends Deadlines.Entry {
    final ServerSlot slot;
    final long start = System.nanoTime();
    HttpClientRequest upstream;
    /** The connect deadline passed: the attempt already failed over, a late connection is dropped. */
    boolean abandoned;
    boolean timedOut;
    boolean responded;
    boolean bodyDone;
    boolean ended;

    Attempt(ServerSlot slot) {
      this.slot = slot;
    }

    @Override
    void expire() {
      if (upstream == null) {
        abandoned = true;
        end();
        upstreamFailed(this, new io.netty.channel.ConnectTimeoutException("no connection to " + slot.id()
            + " within " + pool.pool().timeouts().connectMs() + " ms"), true);
      } else if (!responded) {
        timedOut = true;
        upstream.reset();
      }
    }

    /** Releases the server's in-flight slot exactly once. */
    void end() {
      if (!ended) {
        ended = true;
        slot.stats().end();
        backends.deadlines().disarm(this);
      }
    }
  }

  Exchange(GatewayState state, BackendClients backends, HttpServerRequest req, PoolTable pool) {
    this.state = state;
    this.backends = backends;
    this.req = req;
    this.pool = pool;
    String cl = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    this.hasBody = req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null || (cl != null && !cl.trim().equals("0"));
    HttpMethod m = req.method();
    this.idempotent = m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS
        || m == HttpMethod.TRACE || m == HttpMethod.PUT || m == HttpMethod.DELETE;
    this.choice = new ServerChoice(pool, this, state.locality(pool.name()), now);
  }

  @Override
  public String clientAddress() {
    return req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress();
  }

  @Override
  public String path() {
    return req.path();
  }

  @Override
  public String query() {
    return req.query();
  }

  void start() {
    state.retryBudget().requestStarted();
    req.response().closeHandler(v -> onClientGone());
    req.response().endHandler(v -> finish());
    if (pool.pool().sticky().mode().equals("none")) {
      tryNext(null);
    } else {
      stick();
    }
  }

  // ---- sticky sessions

  /** The client's stick key for this pool, or null when the request carries none (header mode). */
  private String stickKey() {
    Pool.Sticky cfg = pool.pool().sticky();
    return switch (cfg.mode()) {
      case "cookie" -> {
        var c = req.getCookie(cfg.cookieName());
        String key = c == null ? null : state.stickyCookie().verify(pool.name(), c.getValue());
        if (key == null) {
          key = StickyCookie.newKey();
          req.response().addCookie(io.vertx.core.http.Cookie.cookie(cfg.cookieName(),
              state.stickyCookie().issue(pool.name(), key)).setPath("/").setHttpOnly(true)
              .setSameSite(io.vertx.core.http.CookieSameSite.LAX));
        }
        yield key;
      }
      case "source-ip" -> clientAddress();
      default -> cfg.headerName() == null ? null : req.getHeader(cfg.headerName());
    };
  }

  /** A stuck client may stay on a `ready` or `drain` server that is up and not ejected. */
  private boolean stickUsable(ServerSlot s) {
    return s.keepsStickyClients() && !s.stats().isEjected(now);
  }

  private void stick() {
    String key = stickKey();
    if (key == null) {
      tryNext(null);
      return;
    }
    int ttl = pool.pool().sticky().ttlSeconds();
    StickStore store = state.stickStore();
    store.get(pool.name(), key).onComplete(ar -> {
      String sid = ar.succeeded() ? ar.result() : null;
      ServerSlot stuck = sid == null ? null : pool.byId(sid);
      if (stuck != null && stickUsable(stuck)) {
        store.touch(pool.name(), key, ttl);
        go(stuck);
        return;
      }
      // a new client, or its server is down, in maintenance or gone: dispatch and (re)write the entry
      ServerSlot picked = choice.pick();
      if (picked == null) {
        tryNext(null);
        return;
      }
      Future<String> decided = sid == null
          ? store.putIfAbsent(pool.name(), key, picked.id(), ttl)
          : store.replace(pool.name(), key, sid, picked.id(), ttl);
      decided.onComplete(d -> {
        ServerSlot winner = d.succeeded() ? pool.byId(d.result()) : null;
        go(winner != null && stickUsable(winner) ? winner : picked);
      });
    });
  }

  /** Forwards to a chosen server, or falls back to the balancer when it is full. */
  private void go(ServerSlot slot) {
    if (clientGone) {
      return;
    }
    if (choice.take(slot)) {
      attempts++;
      forward(new Attempt(slot));
    } else {
      tryNext(null);
    }
  }

  /** Picks the next server and forwards; `lastError` is why the previous attempt failed (null at first). */
  private void tryNext(Throwable lastError) {
    if (clientGone) {
      return;
    }
    ServerSlot slot = choice.next();
    if (slot == null) {
      if (lastError != null) {
        failWith(lastError);
      } else {
        state.metrics().unavailable(pool.name());
        req.response().putHeader("Retry-After", "1");
        respond(Problem.of(503, "Service Unavailable", pool.eligibleCount() == 0
            ? "pool '" + pool.name() + "' has no server taking requests"
            : "every server of pool '" + pool.name() + "' is down, ejected or at maxConnections"));
      }
      return;
    }
    attempts++;
    forward(new Attempt(slot));
  }

  /**
   * The headers every attempt sends: the client's, edited in place once (hop-by-hop and Expect removed,
   * X-Forwarded-* added), which saves copying them into a new map per request; Vert.x copies them into
   * each upstream request anyway.
   */
  private MultiMap upstreamHeaders() {
    if (!headersPrepared) {
      headersPrepared = true;
      MultiMap headers = req.headers();
      Forwarding.stripHopByHop(headers);
      headers.remove(HttpHeaders.EXPECT);
      String host = headers.get(HttpHeaders.HOST);
      Forwarding.addForwarded(headers, clientAddress(), req.isSSL() ? "https" : "http", host);
    }
    return req.headers();
  }

  private boolean headersPrepared;

  private void forward(Attempt a) {
    current = a;
    var timeouts = pool.pool().timeouts();
    RequestOptions opts = new RequestOptions()
        .setServer(a.slot.address())
        .setMethod(req.method())
        .setURI(req.uri())
        .setHeaders(upstreamHeaders());
    Deadlines deadlines = backends.deadlines();
    deadlines.arm(a, a.start + timeouts.connectMs() * 1_000_000L);
    backends.client(timeouts).request(opts).onComplete(ar -> {
      if (a.abandoned) {
        if (ar.succeeded()) {
          ar.result().reset();
        }
        return;
      }
      if (ar.failed()) {
        a.end();
        upstreamFailed(a, ar.cause(), true);
        return;
      }
      HttpClientRequest up = ar.result();
      a.upstream = up;
      if (clientGone) {
        up.reset();
        a.end();
        return;
      }
      deadlines.arm(a, System.nanoTime() + timeouts.responseHeaderMs() * 1_000_000L);
      Future<HttpClientResponse> response;
      if (hasBody) {
        if (req.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
          up.setChunked(true);
        }
        response = up.send(req);
      } else {
        response = up.send();
      }
      response.onComplete(r -> onResponse(a, r));
    });
  }

  private void onResponse(Attempt a, AsyncResult<HttpClientResponse> ar) {
    if (ar.failed()) {
      a.end();
      var timeouts = pool.pool().timeouts();
      Throwable cause = ar.cause();
      if (a.timedOut) {
        cause = new TimeoutException("no response headers within " + timeouts.responseHeaderMs() + " ms");
      } else if (System.nanoTime() - a.start >= timeouts.idleMs() * 1_000_000L) {
        // the connection's idle timeout closed it before the response head came
        cause = new TimeoutException("connection idle for " + timeouts.idleMs() + " ms");
      }
      upstreamFailed(a, cause, false);
      return;
    }
    a.responded = true;
    backends.deadlines().disarm(a);
    HttpClientResponse up = ar.result();
    if (clientGone) {
      a.upstream.reset();
      a.end();
      return;
    }
    HttpServerResponse resp = req.response();
    resp.setStatusCode(up.statusCode());
    String reason = up.statusMessage();
    if (reason != null && !reason.equals(HttpResponseStatus.valueOf(up.statusCode()).reasonPhrase())) {
      resp.setStatusMessage(reason);
    }
    MultiMap headers = resp.headers();
    headers.addAll(up.headers());
    Forwarding.stripHopByHop(headers);
    if (state.config().exposeServerHeader()) {
      resp.putHeader("X-LB-Server", a.slot.id());
    }
    if (up.getHeader(HttpHeaders.CONTENT_LENGTH) == null && req.method() != HttpMethod.HEAD
        && up.statusCode() != 204 && up.statusCode() != 304) {
      resp.setChunked(true);
    }
    ServerMeters meters = state.metrics().meters(a.slot);
    int status = up.statusCode();
    // relayed by hand rather than with up.pipe(): the same back-pressure, without a Pipe and its futures
    up.handler(buf -> {
      resp.write(buf);
      if (resp.writeQueueFull()) {
        up.pause();
        resp.drainHandler(v -> up.resume());
      }
    });
    up.exceptionHandler(err -> bodyDone(a, meters, status, false));
    up.endHandler(v -> resp.end().onComplete(end -> bodyDone(a, meters, status, end.succeeded())));
  }

  /** The answer's body is through (`complete`) or broke off; runs once per attempt. */
  private void bodyDone(Attempt a, ServerMeters meters, int status, boolean complete) {
    if (a.bodyDone) {
      return;
    }
    a.bodyDone = true;
    long nanos = System.nanoTime() - a.start;
    a.end();
    if (complete) {
      meters.response(status, nanos);
      a.slot.stats().recordLatency(nanos / 1e6);
      if (status >= 500) {
        outlierFailure(a);
      } else {
        OutlierDetector.success(a.slot.stats());
      }
    } else {
      // the server or the client broke off mid-answer: nothing can be retried once bytes went out
      meters.resets().increment();
      if (!clientGone) {
        outlierFailure(a);
      }
      a.upstream.reset();
      req.response().reset();
    }
  }

  private void upstreamFailed(Attempt a, Throwable cause, boolean beforeSend) {
    if (clientGone) {
      return;
    }
    ServerMeters meters = state.metrics().meters(a.slot);
    boolean timeout = cause instanceof TimeoutException || isConnectTimeout(cause);
    (timeout ? meters.timeouts() : beforeSend ? meters.connectErrors() : meters.resets()).increment();
    outlierFailure(a);
    boolean safe = beforeSend || (idempotent && !hasBody && !a.timedOut);
    if (safe && attempts <= pool.pool().retries() && takeRetry()) {
      state.metrics().retry();
      tryNext(cause);
    } else {
      failWith(cause);
    }
  }

  private boolean takeRetry() {
    return state.retryBudget().tryRetry();
  }

  private void outlierFailure(Attempt a) {
    long ejectedFor = OutlierDetector.failure(a.slot.stats(), pool.pool().outlier(), pool.allStats(),
        System.currentTimeMillis());
    if (ejectedFor > 0) {
      state.metrics().ejection();
      state.publish(EventType.OUTLIER_EJECTED, new JsonObject().put("pool", pool.name()).put("server", a.slot.id())
          .put("ejectionMs", ejectedFor).put("ejections", a.slot.stats().ejections()));
    }
  }

  private void failWith(Throwable cause) {
    boolean timeout = cause instanceof TimeoutException || isConnectTimeout(cause);
    String server = current == null ? "?" : current.slot.id();
    if (timeout) {
      respond(Problem.of(504, "Gateway Timeout", "server '" + server + "' of pool '" + pool.name()
          + "' did not answer in time"));
    } else {
      respond(Problem.of(502, "Bad Gateway", "server '" + server + "' of pool '" + pool.name() + "' failed: "
          + (cause instanceof ConnectException ? "connection refused" : cause.getClass().getSimpleName())));
    }
  }

  private static boolean isConnectTimeout(Throwable t) {
    return t instanceof io.netty.channel.ConnectTimeoutException
        || (t.getMessage() != null && t.getMessage().contains("connection timed out"));
  }

  private void respond(Problem p) {
    if (clientGone || req.response().headWritten()) {
      return;
    }
    if (hasBody && !req.isEnded()) {
      // the body was never forwarded: drop it and close, so the connection is not left half-read
      req.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
    p.send(req.response());
  }

  private void onClientGone() {
    clientGone = true;
    Attempt a = current;
    if (a != null && !a.ended) {
      if (a.upstream != null) {
        a.upstream.reset();
      }
      a.end();
    }
    finish();
  }

  private boolean finished;

  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    state.retryBudget().requestEnded();
  }

}
