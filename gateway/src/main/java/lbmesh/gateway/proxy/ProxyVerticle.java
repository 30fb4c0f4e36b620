package lbmesh.gateway.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.VertxInternal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import lbmesh.gateway.GatewayConfig;
import lbmesh.gateway.GatewayState;

/**
 * The traffic listener: an HTTP/1.1 reverse proxy written on Netty, running on Vert.x's own event loops.
 * Each client connection lives on one event loop, with that loop's backend connection pools
 * ({@link Backends}), so a request never hops threads and nothing on its path locks.
 *
 * <p>Written on Netty rather than on vertx-http-proxy or Vert.x's HttpServer and HttpClient: in 5.0.7
 * vertx-http-proxy turns every upstream failure into 502 (no 504), cannot retry once the origin request
 * exists, adds no X-Forwarded-* headers and offers no hook between "connected" and "first response byte".
 * The first gateway was built on Vert.x's HttpServer and HttpClient instead; it reached 0.66-0.73 of
 * HAProxy's requests/s on the same machine, and a JFR profile put nine tenths of its time in Vert.x's
 * per-request objects (request and response wrappers, futures, a duplicated context, a header copy into
 * every upstream request) rather than in the proxy's own work. A relay of Netty's decoded HTTP objects
 * between a client connection and a pooled backend connection, as here, does no such per-request work
 * beyond Netty's codec (numbers in bench/README.md).
 */
public final class ProxyVerticle extends VerticleBase {
  private final GatewayState state;
  private final Map<EventLoop, Backends> backends = new ConcurrentHashMap<>();
  private final ChannelGroup clients = new DefaultChannelGroup("lbmesh-clients", GlobalEventExecutor.INSTANCE);
  private Channel listener;

  public ProxyVerticle(GatewayState state) {
    this.state = state;
  }

  @Override
  public Future<?> start() {
    GatewayConfig cfg = state.config();
    VertxInternal vx = (VertxInternal) vertx;
    HttpDecoderConfig decoding = new HttpDecoderConfig()
        .setMaxInitialLineLength(cfg.maxUriBytes())
        .setMaxHeaderSize(cfg.maxHeaderBytes())
        .setHeadersFactory(ClientConnection.HEADERS);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(vx.acceptorEventLoopGroup(), vx.eventLoopGroup())
        .channelFactory(vx.transport().serverChannelFactory(false))
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            clients.add(ch);
            Backends loop = backends.computeIfAbsent(ch.eventLoop(),
                l -> new Backends(vx, l, cfg.backendPoolSize()));
            ch.pipeline().addLast("http", new HttpServerCodec(decoding));
            ch.pipeline().addLast("relay", new ClientConnection(state, loop));
          }
        });
    Promise<Void> bound = Promise.promise();
    ChannelFuture f = bootstrap.bind(cfg.host(), cfg.httpPort());
    f.addListener(done -> {
      if (done.isSuccess()) {
        listener = f.channel();
        bound.complete();
      } else {
        bound.fail(done.cause());
      }
    });
    return bound.future();
  }

  /** Closes the listener and every client connection, then each loop's backend connections. */
  @Override
  public Future<?> stop() {
    Promise<Void> closed = Promise.promise();
    Channel l = listener;
    listener = null;
    (l == null ? GlobalEventExecutor.INSTANCE.<Void>newSucceededFuture(null) : l.close()).addListener(v ->
        clients.close().addListener(c -> {
          backends.values().forEach(b -> b.loop.execute(b::close));
          closed.complete();
        }));
    return closed.future();
  }
}
