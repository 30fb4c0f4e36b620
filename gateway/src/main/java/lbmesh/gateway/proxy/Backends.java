package lbmesh.gateway.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One event loop's keep-alive connections to the backends, and the deadlines of its attempts. Every
 * call comes from that loop, so nothing here locks.
 *
 * <p>Per server at most {@code maxPerServer} connections are open from this loop; a request beyond that
 * waits for one to come back, as in Vert.x's client pool this replaces. Idle connections are reused last
 * in, first out (the warmest socket), and closed after {@link #KEEP_ALIVE_NANOS} unused.
 */
final class Backends {
  /** How long an unused pooled connection stays open. */
  static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** Told when a lease is served: a connection, or why there is none. */
  interface Lease {
    /** Netty's connect timeout for a new connection; the attempt's own deadline is the one that counts. */
    int connectMs();

    void leased(BackendConnection conn);

    void failed(Throwable cause);
  }

  /** One server's connections from this loop. */
  final class ServerConnections {
    final SocketAddress address;
    final ArrayDeque<BackendConnection> idle = new ArrayDeque<>();
    final ArrayDeque<Lease> waiting = new ArrayDeque<>();
    int open;

    ServerConnections(SocketAddress address) {
      this.address = address;
    }

    /** A connection comes back after an exchange; `reusable`: its last exchange left it clean. */
    void release(BackendConnection conn, boolean reusable) {
      if (!reusable || !conn.channel().isActive()) {
        conn.channel().close();
        return;
      }
      Lease next = waiting.poll();
      if (next != null) {
        conn.reusedFromPool();
        next.leased(conn);
        return;
      }
      idle.addFirst(conn);
      deadlines.arm(conn.keepAlive(), System.nanoTime() + KEEP_ALIVE_NANOS);
    }

    /** The connection closed (whatever state it was in). */
    void closed(BackendConnection conn) {
      open--;
      idle.remove(conn);
      deadlines.disarm(conn.keepAlive());
      Lease next = waiting.poll();
      if (next != null) {
        connect(this, next);
      }
    }
  }

  final EventLoop loop;
  private final Deadlines deadlines = new Deadlines();
  private final Map<SocketAddress, ServerConnections> byServer = new HashMap<>();
  private final Bootstrap bootstrap;
  private final int maxPerServer;
  private final ScheduledFuture<?> sweep;

  Backends(VertxInternal vertx, EventLoop loop, int maxPerServer) {
    this.loop = loop;
    this.maxPerServer = maxPerServer;
    this.bootstrap = new Bootstrap()
        .group(loop)
        .channelFactory(vertx.transport().channelFactory(false))
        .resolver(vertx.nameResolver().nettyAddressResolverGroup())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            BackendConnection.ResponseDecoder decoder = new BackendConnection.ResponseDecoder(new HttpDecoderConfig()
                .setMaxInitialLineLength(16 * 1024).setMaxHeaderSize(64 * 1024));
            ch.pipeline().addLast("http-decoder", decoder);
            ch.pipeline().addLast("http-encoder", new HttpRequestEncoder());
            ch.pipeline().addLast("relay", new BackendConnection(ch, decoder));
          }
        });
    this.sweep = loop.scheduleAtFixedRate(() -> deadlines.sweep(System.nanoTime()), Deadlines.TICK_MS,
        Deadlines.TICK_MS, TimeUnit.MILLISECONDS);
  }

  Deadlines deadlines() {
    return deadlines;
  }

  /** Serves `lease` with a connection to `address`: a pooled one now, a new one, or one released later. */
  void lease(SocketAddress address, Lease lease) {
    ServerConnections sc = byServer.computeIfAbsent(address, ServerConnections::new);
    BackendConnection conn;
    while ((conn = sc.idle.pollFirst()) != null) {
      deadlines.disarm(conn.keepAlive());
      if (conn.channel().isActive()) {
        conn.reusedFromPool();
        lease.leased(conn);
        return;
      }
    }
    if (sc.open >= maxPerServer) {
      sc.waiting.add(lease);
      return;
    }
    connect(sc, lease);
  }

  /** Withdraws a lease still waiting for a connection (its deadline passed). */
  void cancel(SocketAddress address, Lease lease) {
    ServerConnections sc = byServer.get(address);
    if (sc != null) {
      sc.waiting.remove(lease);
    }
  }

  /** A connection for a protocol upgrade: never pooled, and not counted against {@code maxPerServer}. */
  void connectUnpooled(SocketAddress address, Lease lease) {
    ChannelFuture f = open(address, lease);
    f.addListener(done -> {
      if (done.isSuccess()) {
        lease.leased(BackendConnection.of(f.channel(), null));
      } else {
        lease.failed(done.cause());
      }
    });
  }

  private void connect(ServerConnections sc, Lease lease) {
    sc.open++;
    ChannelFuture f = open(sc.address, lease);
    f.addListener(done -> {
      if (done.isSuccess()) {
        BackendConnection conn = BackendConnection.of(f.channel(), sc);
        f.channel().closeFuture().addListener(c -> sc.closed(conn));
        lease.leased(conn);
      } else {
        sc.open--;
        lease.failed(done.cause());
        Lease next = sc.waiting.poll();
        if (next != null) {
          connect(sc, next);
        }
      }
    });
  }

  /** Starts a connection to `address` (resolved by Vert.x's resolver) with the lease's connect timeout. */
  private ChannelFuture open(SocketAddress address, Lease lease) {
    return bootstrap.clone().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, lease.connectMs())
        .connect(InetSocketAddress.createUnresolved(address.host(), address.port()));
  }

  /** Closes every connection and stops the sweep (the gateway stops serving). */
  void close() {
    sweep.cancel(false);
    List<BackendConnection> all = new ArrayList<>();
    byServer.values().forEach(sc -> all.addAll(sc.idle));
    all.forEach(c -> c.channel().close());
  }
}
