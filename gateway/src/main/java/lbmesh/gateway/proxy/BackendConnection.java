package lbmesh.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * One HTTP/1.1 connection to a backend: the last handler of its pipeline, after Netty's response decoder
 * and request encoder. It belongs to whichever attempt leased it ({@link User}) and passes that attempt
 * what the backend sends; between exchanges it sits in its server's pool and any byte it receives there
 * closes it. A connection goes back to the pool only when its decoder holds no byte beyond the answer.
 */
final class BackendConnection extends ChannelInboundHandlerAdapter {
  /**
   * Netty's response decoder, told whether the request in flight is a HEAD (whose answer has no body
   * whatever its headers say) and able to tell whether it holds bytes beyond what it decoded. Used with
   * Netty's request encoder instead of its HttpClientCodec, which pairs requests and answers by itself but
   * cannot say the second: a backend that sent part of another message after its answer would otherwise
   * have those bytes parsed as the start of the next request's answer.
   */
  static final class ResponseDecoder extends HttpResponseDecoder {
    private boolean headRequest;
    /** A status line was parsed and its message has not ended (its head may be consumed, bytes and all). */
    private boolean inMessage;

    ResponseDecoder(HttpDecoderConfig config) {
      super(config);
    }

    @Override
    protected HttpMessage createMessage(String[] initialLine) {
      inMessage = true;
      return super.createMessage(initialLine);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
      int before = out.size();
      super.decode(ctx, buffer, out);
      for (int i = before; i < out.size(); i++) {
        if (out.get(i) instanceof LastHttpContent) {
          inMessage = false;
        }
      }
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      if (headRequest && ((HttpResponse) msg).status().codeClass() != HttpStatusClass.INFORMATIONAL) {
        return true;
      }
      return super.isContentAlwaysEmpty(msg);
    }

    /** Bytes of another message are here: unparsed, or parsed into a head that has not ended. */
    boolean holdsBytes() {
      return inMessage || actualReadableBytes() > 0;
    }
  }

  /** The attempt using the connection. Every call comes on the connection's event loop. */
  interface User {
    /** An {@code HttpResponse}, an {@code HttpContent}, or raw bytes once the connection was upgraded. */
    void onBackendMessage(Object msg);

    void onBackendReadComplete();

    /** The connection closed; `cause` is why, when it failed (null for a plain close). */
    void onBackendClosed(Throwable cause);

    void onBackendWritable(boolean writable);
  }

  private final Channel channel;
  private final ResponseDecoder decoder;
  private Backends.ServerConnections home;
  private User user;
  private Throwable error;
  /** It served an exchange before and came from the pool: the server may have closed it meanwhile. */
  private boolean reused;
  private final Deadlines.Entry keepAlive = new Deadlines.Entry() {
    @Override
    void expire() {
      channel.close();
    }
  };

  BackendConnection(Channel channel, ResponseDecoder decoder) {
    this.channel = channel;
    this.decoder = decoder;
  }

  /** The handler of a freshly connected channel; `home` is its pool (null: never pooled). */
  static BackendConnection of(Channel ch, Backends.ServerConnections home) {
    BackendConnection c = (BackendConnection) ch.pipeline().get("relay");
    c.home = home;
    return c;
  }

  Channel channel() {
    return channel;
  }

  Deadlines.Entry keepAlive() {
    return keepAlive;
  }

  boolean reused() {
    return reused;
  }

  void reusedFromPool() {
    reused = true;
  }

  /** Leased by `u` for a request; `head`: the request is a HEAD. */
  void attach(User u, boolean head) {
    user = u;
    decoder.headRequest = head;
  }

  /** Gives the connection back: to its pool when `reusable` (the exchange left it clean), else closes it. */
  void release(boolean reusable) {
    user = null;
    if (home == null) {
      channel.close();
    } else {
      // Called from the answer's last part, before the decoder reads on: bytes the backend sent beyond
      // what it framed are still in the decoder then, and keep the connection from the pool (and from a
      // request waiting for one, which would take them for its answer).
      home.release(this, reusable && !decoder.holdsBytes());
    }
  }

  /** After a 101 answer: bytes flow raw both ways from now on (a WebSocket, or any upgraded protocol). */
  void upgrade() {
    channel.pipeline().remove("http-encoder");
    channel.pipeline().remove("http-decoder");
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    User u = user;
    if (u == null) {
      // a pooled connection has nothing to say between exchanges: whatever this is, the connection is spoilt
      ReferenceCountUtil.release(msg);
      channel.close();
      return;
    }
    u.onBackendMessage(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    User u = user;
    if (u != null) {
      u.onBackendReadComplete();
    } else if (decoder.holdsBytes()) {
      // part of a message arrived on an idle pooled connection
      channel.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    User u = user;
    user = null;
    if (u != null) {
      u.onBackendClosed(error);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (error == null) {
      error = cause;
    }
    ctx.close();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    User u = user;
    if (u != null) {
      u.onBackendWritable(channel.isWritable());
    }
  }
}
