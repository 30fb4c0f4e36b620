package lbmesh.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.util.ArrayDeque;
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
import lbmesh.shared.http.Problem;
import lbmesh.shared.model.Pool;

/**
 * One client request through the gateway: pick a server, forward, retry on another server when that
 * is safe, stream the answer back. Runs on the event loop of the client connection, which is also the
 * loop of every backend connection it uses.
 *
 * <p>Retries: a connect failure is retried for any method (no byte of the request went out, and its body
 * parts received so far are still held); a failure before the first response byte is retried only for
 * idempotent methods without a body, since a streamed body cannot be replayed. Each retry needs the
 * pool's `retries` and the {@link RetryBudget}.
 *
 * <p>A request asking for a protocol upgrade (a WebSocket handshake) goes to a fresh backend connection;
 * when the backend answers 101 both connections turn into a raw byte tunnel, as HAProxy does, and the
 * tunnel holds one of the server's in-flight slots until either side closes.
 */
final class Exchange implements PickRequest {
  /** Request body bytes held while no backend connection is ready; beyond this the client is paused. */
  private static final int MAX_HELD_BODY = 64 * 1024;

  private final GatewayState state;
  private final ClientConnection client;
  private final Backends backends;
  private final HttpRequest head;
  private final PoolTable pool;
  private final String path;
  private final boolean hasBody;
  private final boolean idempotent;
  private final boolean upgrade;
  private final long now = System.currentTimeMillis();
  private final ServerChoice choice;
  private int attempts;
  /** Retries that the pool's `retries` and the budget paid for (a refused connect is not one). */
  private int retriesUsed;
  private boolean clientGone;
  private boolean finished;
  private Attempt current;
  /** Body parts received and not yet sent upstream (null once they flow straight to a backend). */
  private ArrayDeque<HttpContent> heldBody = new ArrayDeque<>(0);
  private int heldBytes;
  private boolean requestEnded;
  private boolean headersPrepared;
  /** The sticky cookie issued to this client (a Set-Cookie value), or null. */
  private String setCookie;
  /** The client's stick entry when the pool is sticky and the request carries a key, else null. */
  private StickySession sticky;

  /**
   * One try against one server. Its deadline is the connect timeout until a connection is leased, the
   * response-header timeout until the response head arrives, then the idle timeout, moved on by every
   * message either way.
   */
  private final class Attempt extends Deadlines.Entry implements Backends.Lease, BackendConnection.User {
    final ServerSlot slot;
    final long start = System.nanoTime();
    BackendConnection conn;
    /** The connect deadline passed: the attempt already failed over, a late connection goes back unused. */
    boolean abandoned;
    boolean timedOut;
    boolean responded;
    /** The request went out on a pooled connection that had served an exchange before. */
    boolean reused;
    boolean bodyDone;
    boolean ended;
    boolean tunnel;
    /** The backend answered 1xx (not 101): that head and its empty end are not relayed. */
    boolean informational;
    boolean backendKeepAlive;
    boolean keepClient;
    int status;
    ServerMeters meters;

    Attempt(ServerSlot slot) {
      this.slot = slot;
    }

    @Override
    public int connectMs() {
      return pool.pool().timeouts().connectMs();
    }

    @Override
    void expire() {
      if (conn == null) {
        abandoned = true;
        backends.cancel(slot.address(), this);
        end();
        upstreamFailed(this, new io.netty.channel.ConnectTimeoutException("no connection to " + slot.id()
            + " within " + pool.pool().timeouts().connectMs() + " ms"), true);
      } else if (!responded) {
        timedOut = true;
        conn.channel().close();
      } else {
        // idle: nothing came from the backend or went to it for the idle timeout
        conn.channel().close();
      }
    }

    /** Moves the deadline to `ms` from now. */
    void dueIn(int ms) {
      backends.deadlines().arm(this, System.nanoTime() + ms * 1_000_000L);
    }

    /** Releases the server's in-flight slot exactly once. */
    void end() {
      if (!ended) {
        ended = true;
        slot.stats().end();
        backends.deadlines().disarm(this);
      }
    }

    @Override
    public void leased(BackendConnection c) {
      if (abandoned || clientGone) {
        c.release(true);
        return;
      }
      conn = c;
      reused = c.reused();
      c.attach(this, head.method() == HttpMethod.HEAD);
      dueIn(pool.pool().timeouts().responseHeaderMs());
      Channel up = c.channel();
      up.write(upstreamHead(), up.voidPromise());
      ArrayDeque<HttpContent> held = heldBody;
      heldBody = null;
      HttpContent part;
      boolean endWritten = false;
      while ((part = held.poll()) != null) {
        endWritten |= part instanceof LastHttpContent;
        up.write(part, up.voidPromise());
      }
      if (requestEnded && !endWritten) {
        // a retry of a body-less request: its end went to the attempt that failed
        up.write(LastHttpContent.EMPTY_LAST_CONTENT, up.voidPromise());
      }
      up.flush();
      if (heldBytes > MAX_HELD_BODY) {
        heldBytes = 0;
        client.channel().config().setAutoRead(up.isWritable());
      }
    }

    @Override
    public void failed(Throwable cause) {
      if (abandoned) {
        return;
      }
      end();
      upstreamFailed(this, cause, true);
    }

    @Override
    public void onBackendMessage(Object msg) {
      if (tunnel) {
        if (!(msg instanceof ByteBuf)) {
          // the empty end Netty's codec decoded with the 101 head, before it left the pipeline
          ReferenceCountUtil.release(msg);
          return;
        }
        Channel down = client.channel();
        down.write(msg, down.voidPromise());
        if (!down.isWritable()) {
          conn.channel().config().setAutoRead(false);
        }
        return;
      }
      if (msg instanceof HttpResponse r) {
        if (r.decoderResult().isFailure()) {
          ReferenceCountUtil.release(msg);
          conn.channel().close();
          return;
        }
        int code = r.status().code();
        if (code == 101 && upgrade) {
          onUpgraded(this, r);
          return;
        }
        if (code >= 100 && code < 200) {
          informational = true;
          return;
        }
        onResponse(this, r);
      }
      if (msg instanceof HttpContent c) {
        if (informational) {
          informational = !(c instanceof LastHttpContent);
          c.release();
          return;
        }
        if (!responded || bodyDone || clientGone) {
          c.release();
          return;
        }
        if (c.decoderResult().isFailure()) {
          c.release();
          conn.channel().close();
          return;
        }
        Channel down = client.channel();
        if (c instanceof LastHttpContent) {
          client.touch();
          down.writeAndFlush(c, down.voidPromise());
          bodyDone(this, true);
          return;
        }
        down.write(c, down.voidPromise());
        dueIn(pool.pool().timeouts().idleMs());
        if (!down.isWritable()) {
          conn.channel().config().setAutoRead(false);
        }
      }
    }

    @Override
    public void onBackendReadComplete() {
      if (responded && !bodyDone || tunnel) {
        client.touch();
        client.channel().flush();
      }
    }

    @Override
    public void onBackendClosed(Throwable cause) {
      if (tunnel) {
        end();
        client.channel().close();
        return;
      }
      if (!responded) {
        end();
        Throwable why;
        var timeouts = pool.pool().timeouts();
        if (timedOut) {
          why = new TimeoutException("no response headers within " + timeouts.responseHeaderMs() + " ms");
        } else if (cause != null) {
          why = cause;
        } else {
          why = new IOException("the connection closed before the response head");
        }
        upstreamFailed(this, why, false);
      } else if (!bodyDone) {
        bodyDone(this, false);
      }
    }

    @Override
    public void onBackendWritable(boolean writable) {
      if (heldBody == null && (!requestEnded || tunnel) && !clientGone) {
        client.channel().config().setAutoRead(writable);
      }
    }
  }

  Exchange(ClientConnection client, HttpRequest head, PoolTable pool) {
    this.client = client;
    this.state = client.state();
    this.backends = client.backends();
    this.head = head;
    this.pool = pool;
    this.path = pathOf(head.uri());
    this.requestEnded = head instanceof LastHttpContent;
    HttpHeaders h = head.headers();
    this.hasBody = HttpUtil.isTransferEncodingChunked(head) || HttpUtil.getContentLength(head, 0L) > 0;
    HttpMethod m = head.method();
    this.idempotent = m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS
        || m == HttpMethod.TRACE || m == HttpMethod.PUT || m == HttpMethod.DELETE;
    String connection = h.get(HttpHeaderNames.CONNECTION);
    this.upgrade = h.contains(HttpHeaderNames.UPGRADE) && connection != null
        && Forwarding.isNamed(connection, "upgrade");
    this.choice = new ServerChoice(pool, this, state.locality(pool.name()), now);
  }

  /** The path of a request target: origin form (`/a?b`) or absolute form (`http://host/a?b`). */
  static String pathOf(String uri) {
    int from = 0;
    if (!uri.startsWith("/")) {
      int scheme = uri.indexOf("://");
      if (scheme > 0) {
        int slash = uri.indexOf('/', scheme + 3);
        if (slash < 0) {
          return "/";
        }
        from = slash;
      }
    }
    int q = uri.indexOf('?', from);
    int end = q < 0 ? uri.length() : q;
    int hash = uri.indexOf('#', from);
    if (hash >= 0 && hash < end) {
      end = hash;
    }
    return from == 0 && end == uri.length() ? uri : uri.substring(from, end);
  }

  @Override
  public String clientAddress() {
    return client.clientAddress();
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String query() {
    String uri = head.uri();
    int q = uri.indexOf('?');
    return q < 0 ? null : uri.substring(q + 1);
  }

  void start() {
    state.retryBudget().requestStarted();
    if (pool.pool().sticky().mode().equals("none")) {
      tryNext(null);
    } else {
      stick();
    }
  }

  // ---- the client side

  /** A part of the request's body from the client. */
  void requestContent(HttpContent part) {
    if (part instanceof LastHttpContent) {
      requestEnded = true;
    }
    if (finished || clientGone) {
      part.release();
      return;
    }
    if (heldBody != null) {
      heldBody.add(part);
      heldBytes += part.content().readableBytes();
      if (heldBytes > MAX_HELD_BODY) {
        client.channel().config().setAutoRead(false);
      }
      return;
    }
    Attempt a = current;
    if (a == null || a.conn == null || a.ended && !a.tunnel) {
      part.release();
      return;
    }
    Channel up = a.conn.channel();
    up.write(part, up.voidPromise());
    a.dueIn(a.responded ? pool.pool().timeouts().idleMs() : pool.pool().timeouts().responseHeaderMs());
    if (!up.isWritable()) {
      client.channel().config().setAutoRead(false);
    }
  }

  /** Raw bytes from the client once the connection is a tunnel. */
  void tunnelFromClient(Object msg) {
    if (upgrading != null) {
      upgrading.add(msg);
      return;
    }
    Attempt a = current;
    if (a == null || a.conn == null || !a.conn.channel().isActive()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    Channel up = a.conn.channel();
    up.write(msg, up.voidPromise());
    if (!up.isWritable()) {
      client.channel().config().setAutoRead(false);
    }
  }

  /** The client's read burst ended: send on what it brought. */
  void flushUpstream() {
    Attempt a = current;
    if (a != null && a.conn != null && heldBody == null) {
      a.conn.channel().flush();
    }
  }

  void clientWritable(boolean writable) {
    Attempt a = current;
    if (a != null && a.conn != null && (a.responded || a.tunnel)) {
      a.conn.channel().config().setAutoRead(writable);
    }
  }

  void clientGone() {
    clientGone = true;
    releaseHeld();
    Attempt a = current;
    if (a != null && !a.ended) {
      // a tunnel too: it holds its slot until either side closes
      if (a.conn != null) {
        a.conn.channel().close();
      }
      a.end();
    }
    finish();
  }

  private void releaseHeld() {
    if (heldBody != null) {
      HttpContent c;
      while ((c = heldBody.poll()) != null) {
        c.release();
      }
    }
  }

  // ---- sticky sessions

  /** The client's stick key for this pool, or null when the request carries none (header mode). */
  private String stickKey() {
    Pool.Sticky cfg = pool.pool().sticky();
    return switch (cfg.mode()) {
      case "cookie" -> {
        String key = null;
        String header = head.headers().get(HttpHeaderNames.COOKIE);
        if (header != null) {
          for (Cookie c : ServerCookieDecoder.LAX.decode(header)) {
            if (c.name().equals(cfg.cookieName())) {
              key = state.stickyCookie().verify(pool.name(), c.value());
              break;
            }
          }
        }
        if (key == null) {
          key = StickyCookie.newKey();
          DefaultCookie c = new DefaultCookie(cfg.cookieName(), state.stickyCookie().issue(pool.name(), key));
          c.setPath("/");
          c.setHttpOnly(true);
          c.setSameSite(CookieHeaderNames.SameSite.Lax);
          setCookie = ServerCookieEncoder.STRICT.encode(c);
        }
        yield key;
      }
      case "source-ip" -> clientAddress();
      default -> cfg.headerName() == null ? null : head.headers().get(cfg.headerName());
    };
  }

  /** A stuck client may stay on a `ready` or `drain` server that is up and not ejected. */
  private boolean stickUsable(ServerSlot s) {
    return s.keepsStickyClients() && !s.stats().isEjected(now);
  }

  /** Runs `then` on this exchange's event loop (a stick-table future may complete on a Hazelcast thread). */
  private <T> Handler<AsyncResult<T>> onLoop(Handler<AsyncResult<T>> then) {
    return ar -> {
      if (backends.loop.inEventLoop()) {
        then.handle(ar);
      } else {
        backends.loop.execute(() -> then.handle(ar));
      }
    };
  }

  private void stick() {
    String key = stickKey();
    if (key == null) {
      tryNext(null);
      return;
    }
    sticky = new StickySession(state.stickStore(), pool.name(), key, pool.pool().sticky().ttlSeconds());
    sticky.lookup().onComplete(onLoop(ar -> {
      ServerSlot stuck = ar.succeeded() && ar.result() != null ? pool.byId(ar.result()) : null;
      if (stuck != null && stickUsable(stuck)) {
        sticky.touch();
        go(stuck, null);
      } else {
        // a new client, or its server is down, in maintenance or gone: dispatch and (re)write the entry
        redispatch(null);
      }
    }));
  }

  /**
   * Sends a sticky client to a new server: the algorithm picks one, the entry moves to it on its owner,
   * and the request follows the entry (another gateway may have moved it first). `lastError` is why the
   * previous attempt failed (null at first).
   */
  private void redispatch(Throwable lastError) {
    ServerSlot picked = choice.pick();
    if (picked == null) {
      tryNext(lastError);
      return;
    }
    sticky.moveTo(picked.id()).onComplete(onLoop(d -> {
      ServerSlot winner = d.succeeded() ? pool.byId(d.result()) : null;
      go(winner != null && winner != picked && stickUsable(winner) && !choice.tried(winner) ? winner : picked,
          lastError);
    }));
  }

  /** Forwards to a chosen server, or falls back to the balancer when it is full. */
  private void go(ServerSlot slot, Throwable lastError) {
    if (clientGone) {
      return;
    }
    if (choice.take(slot)) {
      attempts++;
      forward(new Attempt(slot));
    } else {
      tryNext(lastError);
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
        respond(Problem.of(503, "Service Unavailable", pool.eligibleCount() == 0
            ? "pool '" + pool.name() + "' has no server taking requests"
            : "every server of pool '" + pool.name() + "' is down, ejected or at maxConnections"), true);
      }
      return;
    }
    attempts++;
    forward(new Attempt(slot));
  }

  /**
   * The head every attempt sends: the client's, edited in place once (hop-by-hop headers and Expect
   * removed, X-Forwarded-* added; an upgrade keeps its Upgrade and Connection), always as HTTP/1.1 on a
   * keep-alive connection.
   */
  private HttpRequest upstreamHead() {
    if (!headersPrepared) {
      headersPrepared = true;
      HttpHeaders headers = head.headers();
      boolean chunked = HttpUtil.isTransferEncodingChunked(head);
      // the framing the body was decoded with goes upstream whatever the Connection header names: a
      // `Connection: Content-Length` would otherwise send the body unframed, to be read as another request
      String length = chunked ? null : headers.get(HttpHeaderNames.CONTENT_LENGTH);
      String upgradeTo = upgrade ? headers.get(HttpHeaderNames.UPGRADE) : null;
      Forwarding.stripHopByHop(headers);
      headers.remove(HttpHeaderNames.EXPECT);
      if (chunked) {
        headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      } else if (length != null) {
        headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
      }
      if (upgradeTo != null) {
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        headers.set(HttpHeaderNames.UPGRADE, upgradeTo);
      }
      Forwarding.addForwarded(headers, clientAddress(), "http", headers.get(HttpHeaderNames.HOST));
      head.setProtocolVersion(HttpVersion.HTTP_1_1);
    }
    return head;
  }

  private void forward(Attempt a) {
    current = a;
    if (heldBody == null) {
      // a retry after a failure past the connect: only body-less requests get here, nothing to resend
      heldBody = new ArrayDeque<>(0);
    }
    backends.deadlines().arm(a, a.start + pool.pool().timeouts().connectMs() * 1_000_000L);
    if (upgrade) {
      backends.connectUnpooled(a.slot.address(), a);
    } else {
      backends.lease(a.slot.address(), a);
    }
  }

  private void onResponse(Attempt a, HttpResponse r) {
    a.responded = true;
    a.dueIn(pool.pool().timeouts().idleMs());
    if (clientGone) {
      a.conn.channel().close();
      a.end();
      return;
    }
    a.status = r.status().code();
    a.meters = state.metrics().meters(a.slot);
    a.backendKeepAlive = HttpUtil.isKeepAlive(r);
    HttpHeaders headers = r.headers();
    Forwarding.stripHopByHop(headers);
    if (state.config().exposeServerHeader()) {
      headers.set("X-LB-Server", a.slot.id());
    }
    if (setCookie != null) {
      headers.add(HttpHeaderNames.SET_COOKIE, setCookie);
    }
    if (sticky != null) {
      sticky.answeredBy(a.slot.id());
    }
    // the answer to a request whose body is still coming closes the connection rather than leave it half-read
    a.keepClient = requestEnded && client.clientKeepAlive();
    boolean bodyAllowed = head.method() != HttpMethod.HEAD && a.status != 204 && a.status != 304;
    if (bodyAllowed && !HttpUtil.isContentLengthSet(r)) {
      if (client.http10()) {
        a.keepClient = false; // no chunked encoding for HTTP/1.0: the close ends the body
      } else {
        headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
    }
    client.keepAliveHeader(r, a.keepClient);
    client.channel().write(r, client.channel().voidPromise());
  }

  private void onUpgraded(Attempt a, HttpResponse r) {
    a.responded = true;
    a.tunnel = true;
    backends.deadlines().disarm(a);
    if (clientGone) {
      a.conn.channel().close();
      a.end();
      return;
    }
    if (state.config().exposeServerHeader()) {
      r.headers().set("X-LB-Server", a.slot.id());
    }
    if (sticky != null) {
      sticky.answeredBy(a.slot.id());
    }
    // Raw bytes from here on. The 101 goes out through the client's codec, then each codec leaves its
    // pipeline and hands on the bytes it holds: the client's to the backend (held here until the backend's
    // codec is gone too, since it would refuse raw bytes), the backend's to the client.
    client.channel().write(r, client.channel().voidPromise());
    upgrading = new ArrayDeque<>(0);
    client.upgrade();
    a.conn.upgrade();
    Channel up = a.conn.channel();
    Object early;
    while ((early = upgrading.poll()) != null) {
      up.write(early, up.voidPromise());
    }
    upgrading = null;
    up.flush();
    client.channel().flush();
    OutlierDetector.success(a.slot.stats());
    finish();
  }

  /** Client bytes that came while both codecs left their pipelines (an upgrade), or null. */
  private ArrayDeque<Object> upgrading;

  /** The answer's body is through (`complete`) or broke off; runs once per attempt. */
  private void bodyDone(Attempt a, boolean complete) {
    if (a.bodyDone) {
      return;
    }
    a.bodyDone = true;
    long nanos = System.nanoTime() - a.start;
    a.end();
    if (complete) {
      a.meters.response(a.status, nanos);
      a.slot.stats().recordLatency(nanos / 1e6);
      if (a.status >= 500) {
        outlierFailure(a);
      } else {
        OutlierDetector.success(a.slot.stats());
      }
      a.conn.release(a.backendKeepAlive && requestEnded);
      finish();
      client.exchangeDone(a.keepClient);
    } else {
      // the server or the client broke off mid-answer: nothing can be retried once bytes went out
      a.meters.resets().increment();
      if (!clientGone) {
        outlierFailure(a);
      }
      a.conn.channel().close();
      client.channel().close();
      finish();
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
    // A connect that failed at once (refused, reset, unreachable) reached no server: trying the next one adds
    // no load anywhere, so it uses neither a retry nor the budget and goes on through the pool, as NGINX's
    // proxy_next_upstream does by default. A connect timeout may have reached a slow server: it counts.
    // A safe request that a reused pooled connection lost before any answer byte is free too: the server
    // had closed that connection (died, or dropped it as idle) as the request went out. When a whole DC's
    // servers die at once, every one of their pooled connections fails so, and counting each would exhaust
    // the retries before the request reached a live server (Go's HTTP transport retries this case freely
    // too). Each server is still tried once at most.
    boolean safe = beforeSend || (idempotent && !hasBody && !a.timedOut);
    boolean stale = !beforeSend && safe && a.reused && !a.responded && !timeout;
    boolean refused = (beforeSend && !timeout) || stale;
    if (refused || safe && retriesUsed < pool.pool().retries() && state.retryBudget().tryRetry()) {
      if (!refused) {
        retriesUsed++;
      }
      state.metrics().retry();
      if (sticky != null) {
        redispatch(cause);
      } else {
        tryNext(cause);
      }
    } else {
      failWith(cause);
    }
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
          + "' did not answer in time"), false);
    } else {
      respond(Problem.of(502, "Bad Gateway", "server '" + server + "' of pool '" + pool.name() + "' failed: "
          + describe(cause)), false);
    }
  }

  private static String describe(Throwable cause) {
    if (cause instanceof ConnectException || cause.getCause() instanceof ConnectException) {
      return "connection refused";
    }
    return cause instanceof IOException && cause.getMessage() != null ? cause.getMessage()
        : cause.getClass().getSimpleName();
  }

  private static boolean isConnectTimeout(Throwable t) {
    return t instanceof io.netty.channel.ConnectTimeoutException
        || (t.getMessage() != null && t.getMessage().contains("connection timed out"));
  }

  private void respond(Problem p, boolean retryAfter) {
    if (clientGone || finished) {
      return;
    }
    releaseHeld();
    finish();
    // a body not (all) forwarded is dropped: the connection closes rather than be left half-read
    client.respond(p, retryAfter, setCookie, !hasBody || requestEnded);
  }

  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    state.retryBudget().requestEnded();
  }
}
