package lbmesh.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.logging.Logger;
import lbmesh.gateway.GatewayState;
import lbmesh.gateway.route.PoolTable;
import lbmesh.shared.http.Problem;

/**
 * One client connection to the traffic port: the last handler of its pipeline, after Netty's HTTP/1.1
 * server codec. It runs one {@link Exchange} at a time. Requests a client pipelines behind the current one
 * wait here, in order, with reading paused, until the current answer is through.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = Logger.getLogger(ClientConnection.class.getName());
  /** Every answer the gateway makes itself, logged with its reason: ten lines a second at most. */
  private static final AnswerLog ANSWERS = new AnswerLog(10, System::currentTimeMillis);

  private static final ByteBuf CONTINUE = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(
      "HTTP/1.1 100 Continue\r\n\r\n", StandardCharsets.US_ASCII));

  private final GatewayState state;
  private final Backends backends;
  private Channel channel;
  private String clientAddress;
  private Exchange current;
  /** The current request's head came and its last body part did not yet. */
  private boolean requestOpen;
  /** The head of the request being answered, for the log of the gateway's own answers (null: unparsable). */
  private HttpRequest request;
  /** Messages of requests pipelined behind the current one. */
  private final ArrayDeque<Object> queued = new ArrayDeque<>(0);
  private boolean tunnel;
  private boolean closing;
  /** What the client of the current request asked for (read before the exchange edits the head). */
  private boolean clientKeepAlive;
  private boolean http10;
  /** A new connection must complete its first request head within the header timeout (slowloris). */
  private final Deadlines.Entry headerDeadline = new Deadlines.Entry() {
    @Override
    void expire() {
      channel.close();
    }
  };
  /**
   * The client idle timeout: nothing read from or relayed to the client for that long closes the
   * connection. Kept by hand rather than with Netty's IdleStateHandler, which turns every write's void
   * promise into a real one with a listener: here traffic only stamps {@link #lastActive} (a field write on
   * the coarse clock), and the entry, when due, closes the connection or moves on to the new deadline.
   */
  private final Deadlines.Entry idleDeadline = new Deadlines.Entry() {
    @Override
    void expire() {
      long due = lastActive + idleNanos;
      if (due - backends.deadlines().coarseNanos() > 0) {
        backends.deadlines().arm(this, due);
      } else {
        channel.close();
      }
    }
  };
  private final long idleNanos;
  private long lastActive;

  ClientConnection(GatewayState state, Backends backends) {
    this.state = state;
    this.backends = backends;
    this.idleNanos = state.config().clientIdleSeconds() * 1_000_000_000L;
  }

  /** Traffic to or from the client: the idle timeout starts again. */
  void touch() {
    lastActive = backends.deadlines().coarseNanos();
  }

  GatewayState state() {
    return state;
  }

  Backends backends() {
    return backends;
  }

  Channel channel() {
    return channel;
  }

  String clientAddress() {
    if (clientAddress == null) {
      clientAddress = channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
          ? a.getAddress().getHostAddress() : "";
    }
    return clientAddress;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    long now = System.nanoTime();
    backends.deadlines().arm(headerDeadline, now + state.config().headerTimeoutMs() * 1_000_000L);
    if (idleNanos > 0) {
      lastActive = now;
      backends.deadlines().arm(idleDeadline, now + idleNanos);
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastActive = backends.deadlines().coarseNanos();
    if (tunnel) {
      current.tunnelFromClient(msg);
      return;
    }
    if (closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (current != null && !requestOpen || !queued.isEmpty()) {
      // pipelined behind the current request: answered in order, once the current one is through
      queued.add(msg);
      channel.config().setAutoRead(false);
      return;
    }
    dispatch(msg);
  }

  private void dispatch(Object msg) {
    if (msg instanceof HttpRequest req) {
      backends.deadlines().disarm(headerDeadline); // a no-op after the first request
      request = req;
      requestOpen = !(msg instanceof io.netty.handler.codec.http.LastHttpContent);
      DecoderResult dr = req.decoderResult();
      if (dr.isFailure()) {
        request = null; // the decoder's stand-in head, not what the client sent
        ReferenceCountUtil.release(msg);
        rejectMalformed(dr.cause());
        return;
      }
      clientKeepAlive = HttpUtil.isKeepAlive(req) && !(req.headers() instanceof RequestHeaders rh && rh.lengthDropped);
      http10 = req.protocolVersion() == HttpVersion.HTTP_1_0;
      if (req.method() == HttpMethod.CONNECT) {
        // a reverse proxy opens no tunnels to arbitrary hosts (and the backend codec would lose its footing)
        respond(Problem.of(405, "Method Not Allowed", "CONNECT is not proxied"), false, null, false);
        return;
      }
      String expect = req.headers().get(HttpHeaderNames.EXPECT);
      if (expect != null && !http10) {
        if (!expect.trim().equalsIgnoreCase("100-continue")) {
          respond(Problem.of(417, "Expectation Failed", "only 'Expect: 100-continue' is understood"), false,
              null, false);
          return;
        }
        req.headers().remove(HttpHeaderNames.EXPECT);
        // written past the codec: Netty's server encoder pairs every answer head it encodes with a request,
        // so an interim 100 through it would take the place of the final answer's request (a HEAD
        // pipelined behind would then have this request's answer sent without its body)
        channel.pipeline().context("http").writeAndFlush(CONTINUE.duplicate());
      }
      PoolTable pool = state.table().match(req.headers().get(HttpHeaderNames.HOST), Exchange.pathOf(req.uri()));
      if (pool == null) {
        String detail = state.loaded() ? "no route matches and there is no pool 'default'"
            : "the gateway has no routing table yet";
        respond(Problem.of(503, "Service Unavailable", detail), true, null, !requestOpen);
        return;
      }
      current = new Exchange(this, req, pool);
      current.start();
    } else if (msg instanceof HttpContent c) {
      if (msg instanceof io.netty.handler.codec.http.LastHttpContent) {
        requestOpen = false;
      }
      if (current != null) {
        current.requestContent(c);
      } else {
        c.release();
      }
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  /** A request head Netty's decoder refused: 414 or 431 for the limits, 400 otherwise; then close. */
  private void rejectMalformed(Throwable cause) {
    Problem p;
    if (cause instanceof TooLongHttpLineException) {
      p = Problem.of(414, "URI Too Long", "the request line is longer than " + state.config().maxUriBytes() + " bytes");
    } else if (cause instanceof TooLongHttpHeaderException) {
      p = Problem.of(431, "Request Header Fields Too Large", "the request headers are larger than "
          + state.config().maxHeaderBytes() + " bytes");
    } else {
      p = Problem.of(400, "Bad Request", "malformed HTTP request: " + cause.getMessage());
    }
    LOG.fine(() -> "refused a request from " + clientAddress() + ": " + cause);
    respond(p, false, null, false);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange e = current;
    if (e != null) {
      e.flushUpstream();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    backends.deadlines().disarm(headerDeadline);
    backends.deadlines().disarm(idleDeadline);
    Exchange e = current;
    current = null;
    if (e != null) {
      e.clientGone();
    }
    Object m;
    while ((m = queued.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Exchange e = current;
    if (e != null) {
      e.clientWritable(channel.isWritable());
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof java.io.IOException) {
      // a client resetting or vanishing is everyday traffic
      LOG.fine(() -> "client connection " + clientAddress() + " failed: " + cause);
    } else {
      // anything else is a fault in the relay itself: the connection is cut, and an operator should know why
      LOG.log(java.util.logging.Level.WARNING, "closing the connection of client " + clientAddress()
          + " after an unexpected error", cause);
    }
    ctx.close();
  }

  /**
   * Request headers (the decoder's, through {@link #HEADERS}) that note when Netty's decoder drops a
   * Content-Length sent along with Transfer-Encoding: chunked. The chunks frame the body, and the
   * connection closes after the answer (RFC 9112 section 6.1): a hop before this one may have framed the
   * body by its length, and what follows the chunks would be a request that hop never saw.
   */
  private static final class RequestHeaders extends DefaultHttpHeaders {
    private boolean lengthDropped;

    @Override
    public HttpHeaders remove(CharSequence name) {
      lengthDropped |= HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name);
      return super.remove(name);
    }
  }

  /** Makes the request decoder's headers {@link RequestHeaders}. */
  static final HttpHeadersFactory HEADERS = new HttpHeadersFactory() {
    @Override
    public HttpHeaders newHeaders() {
      return new RequestHeaders();
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
      return DefaultHttpHeadersFactory.headersFactory().newEmptyHeaders();
    }
  };

  /** The current request's client speaks HTTP/1.0 (no chunked answers). */
  boolean http10() {
    return http10;
  }

  /** The current request's client wants the connection kept open (HTTP/1.1 without close, or 1.0 keep-alive). */
  boolean clientKeepAlive() {
    return clientKeepAlive;
  }

  /** The request was answered completely; `keepAlive`: the connection may carry the next one. */
  void exchangeDone(boolean keepAlive) {
    current = null;
    if (!keepAlive) {
      closing = true;
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    // the requests the client pipelined meanwhile, in order
    Object m;
    while ((current == null || requestOpen) && !closing && (m = queued.poll()) != null) {
      dispatch(m);
    }
    if (queued.isEmpty() && !tunnel) {
      channel.config().setAutoRead(true);
    }
  }

  /** From now on bytes flow raw both ways (a 101 answer went out): the HTTP codec leaves the pipeline. */
  void upgrade() {
    tunnel = true;
    channel.config().setAutoRead(true);
    channel.pipeline().remove("http");
  }

  /**
   * Answers the current request with a problem+json body. `retryAfter` adds Retry-After: 1; `setCookie`,
   * when not null, is a Set-Cookie value. `reusable`: false when the request's body was not (all) read,
   * so the connection closes after the answer rather than be left half-read.
   */
  void respond(Problem p, boolean retryAfter, String setCookie, boolean reusable) {
    HttpRequest req = request;
    ANSWERS.answered(p.status(), clientAddress(), req == null ? null : req.method().name(),
        req == null ? null : req.uri(), p.detail());
    byte[] body = p.toJson().encode().getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(p.status()),
        Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, Problem.CONTENT_TYPE);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    if (retryAfter) {
      r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
    }
    if (setCookie != null) {
      r.headers().add(HttpHeaderNames.SET_COOKIE, setCookie);
    }
    boolean keepAlive = reusable && clientKeepAlive;
    keepAliveHeader(r, keepAlive);
    channel.writeAndFlush(r, channel.voidPromise());
    exchangeDone(keepAlive);
  }

  /** Says in an answer's headers whether the connection stays open, as the client's HTTP version needs. */
  void keepAliveHeader(HttpResponse r, boolean keepAlive) {
    keepAlive &= clientKeepAlive;
    if (!keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (http10) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
  }
}
