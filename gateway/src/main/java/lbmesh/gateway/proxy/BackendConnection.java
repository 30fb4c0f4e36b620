package lbmesh.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One HTTP/1.1 connection to a backend: the last handler of its pipeline, after Netty's client codec.
 * It belongs to whichever attempt leased it ({@link User}) and passes that attempt what the backend sends;
 * between exchanges it sits in its server's pool and anything it receives closes it.
 */
final class BackendConnection extends ChannelInboundHandlerAdapter {
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
  private Backends.ServerConnections home;
  private User user;
  private Throwable error;
  /** Between a read burst's first message and its end. */
  private boolean reading;
  /** Released clean during a read burst: goes back to the pool once the burst is through. */
  private boolean releasePending;
  private final Deadlines.Entry keepAlive = new Deadlines.Entry() {
    @Override
    void expire() {
      channel.close();
    }
  };

  BackendConnection(Channel channel) {
    this.channel = channel;
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

  void attach(User u) {
    user = u;
  }

  /** Gives the connection back: to its pool when `reusable` (the exchange left it clean), else closes it. */
  void release(boolean reusable) {
    user = null;
    if (home == null) {
      channel.close();
    } else if (reusable && reading) {
      // The rest of this read is decoded after the answer's end: bytes the backend sent beyond what it
      // framed must find the connection without a user (which closes it), not leased to the next request
      // (a pipelined one, or one waiting for the pool) as if they were its answer.
      releasePending = true;
    } else {
      home.release(this, reusable);
    }
  }

  /** After a 101 answer: bytes flow raw both ways from now on (a WebSocket, or any upgraded protocol). */
  void upgrade() {
    channel.pipeline().remove("http");
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    reading = true;
    User u = user;
    if (u == null) {
      // a pooled connection has nothing to say between exchanges: whatever this is, the connection is spoilt
      ReferenceCountUtil.release(msg);
      releasePending = false;
      channel.close();
      return;
    }
    u.onBackendMessage(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    reading = false;
    User u = user;
    if (u != null) {
      u.onBackendReadComplete();
    } else if (releasePending) {
      releasePending = false;
      home.release(this, true);
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
