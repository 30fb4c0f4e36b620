package lbmesh.gateway.proxy;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
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
  private final HttpClient client;
  private final HttpServerRequest req;
  private final PoolTable pool;
  private final boolean hasBody;
  private final boolean idempotent;
  private final boolean[] tried;
  private final long now = System.currentTimeMillis();
  private final long started = System.nanoTime();
  private int attempts;
  private boolean clientGone;
  private Attempt current;

  /** One try against one server. */
  private final class Attempt {
    final ServerSlot slot;
    final long start = System.nanoTime();
    HttpClientRequest upstream;
    long headerTimer = -1;
    boolean timedOut;
    boolean responded;
    boolean ended;

    Attempt(ServerSlot slot) {
      this.slot = slot;
    }

    /** Releases the server's in-flight slot exactly once. */
    void end() {
      if (!ended) {
        ended = true;
        slot.stats().end();
        if (headerTimer >= 0) {
          vertxCancel(headerTimer);
          headerTimer = -1;
        }
      }
    }
  }

  Exchange(GatewayState state, HttpClient client, HttpServerRequest req, PoolTable pool) {
    this.state = state;
    this.client = client;
    this.req = req;
    this.pool = pool;
    String cl = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    this.hasBody = req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null || (cl != null && !cl.trim().equals("0"));
    HttpMethod m = req.method();
    this.idempotent = m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS
        || m == HttpMethod.TRACE || m == HttpMethod.PUT || m == HttpMethod.DELETE;
    this.tried = new boolean[pool.eligibleCount()];
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
      int idx = pool.balancer().pick(this, this::usable);
      if (idx < 0) {
        tryNext(null);
        return;
      }
      ServerSlot picked = pool.eligible(idx);
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
    int idx = pool.eligibleIndex(slot.id());
    if (idx >= 0) {
      tried[idx] = true;
    }
    if (slot.stats().tryBegin(slot.server().maxConnections())) {
      attempts++;
      forward(new Attempt(slot));
    } else {
      tryNext(null);
    }
  }

  private boolean usable(int i) {
    if (tried[i]) {
      return false;
    }
    return pool.eligible(i).hasRoom(now);
  }

  /** Picks the next server and forwards; `lastError` is why the previous attempt failed (null at first). */
  private void tryNext(Throwable lastError) {
    if (clientGone) {
      return;
    }
    while (true) {
      int idx = pool.balancer().pick(this, this::usable);
      if (idx < 0) {
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
      tried[idx] = true;
      ServerSlot slot = pool.eligible(idx);
      // the balancer saw room; another event loop may have taken it since
      if (slot.stats().tryBegin(slot.server().maxConnections())) {
        attempts++;
        forward(new Attempt(slot));
        return;
      }
    }
  }

  private void forward(Attempt a) {
    current = a;
    var timeouts = pool.pool().timeouts();
    MultiMap headers = HttpHeaders.headers();
    Forwarding.copyEndToEnd(req.headers(), headers);
    headers.remove(HttpHeaders.EXPECT);
    Forwarding.addForwarded(headers, clientAddress(), req.scheme() == null ? "http" : req.scheme(), req.authority() == null
        ? req.getHeader(HttpHeaders.HOST) : req.authority().toString());
    RequestOptions opts = new RequestOptions()
        .setServer(a.slot.address())
        .setMethod(req.method())
        .setURI(req.uri())
        .setHeaders(headers)
        .setConnectTimeout(timeouts.connectMs())
        .setIdleTimeout(timeouts.idleMs());
    client.request(opts).onComplete(ar -> {
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
      a.headerTimer = state.vertx().setTimer(timeouts.responseHeaderMs(), id -> {
        a.headerTimer = -1;
        if (!a.responded) {
          a.timedOut = true;
          up.reset();
        }
      });
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
      upstreamFailed(a, a.timedOut ? new TimeoutException("no response headers within "
          + pool.pool().timeouts().responseHeaderMs() + " ms") : ar.cause(), false);
      return;
    }
    a.responded = true;
    if (a.headerTimer >= 0) {
      vertxCancel(a.headerTimer);
      a.headerTimer = -1;
    }
    HttpClientResponse up = ar.result();
    if (clientGone) {
      a.upstream.reset();
      a.end();
      return;
    }
    HttpServerResponse resp = req.response();
    resp.setStatusCode(up.statusCode());
    resp.setStatusMessage(up.statusMessage());
    Forwarding.copyEndToEnd(up.headers(), resp.headers());
    if (state.config().exposeServerHeader()) {
      resp.putHeader("X-LB-Server", a.slot.id());
    }
    if (up.getHeader(HttpHeaders.CONTENT_LENGTH) == null && req.method() != HttpMethod.HEAD
        && up.statusCode() != 204 && up.statusCode() != 304) {
      resp.setChunked(true);
    }
    ServerMeters meters = state.metrics().meters(a.slot);
    int status = up.statusCode();
    up.pipe().endOnFailure(false).to(resp).onComplete(done -> {
      long nanos = System.nanoTime() - a.start;
      a.end();
      if (done.succeeded()) {
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
        resp.reset();
      }
    });
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

  private void vertxCancel(long timer) {
    state.vertx().cancelTimer(timer);
  }
}
