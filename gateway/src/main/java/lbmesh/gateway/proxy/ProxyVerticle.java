package lbmesh.gateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.util.IdentityHashMap;
import java.util.Map;
import lbmesh.gateway.GatewayConfig;
import lbmesh.gateway.GatewayState;
import lbmesh.gateway.route.PoolTable;
import lbmesh.shared.http.Problem;

/**
 * The traffic listener on one event loop: its own HTTP server (the port is shared by every instance)
 * and its own backend connection pool, so a request never hops threads.
 *
 * <p>Hand-written on Vert.x's HttpClient rather than vertx-http-proxy: in 5.0.7 that library turns
 * every upstream failure into 502 (no 504), cannot retry once the origin request exists, adds no
 * X-Forwarded-* headers and offers no hook between "connected" and "first response byte", which is
 * exactly where retries and timeouts must be decided.
 */
public final class ProxyVerticle extends VerticleBase {
  private final GatewayState state;
  private final Map<HttpConnection, Long> headerTimers = new IdentityHashMap<>();
  private BackendClients backends;
  private WebSocketClient wsClient;

  public ProxyVerticle(GatewayState state) {
    this.state = state;
  }

  @Override
  public Future<?> start() {
    GatewayConfig cfg = state.config();
    backends = new BackendClients(vertx, cfg.backendPoolSize());
    vertx.setPeriodic(Deadlines.TICK_MS, id -> backends.deadlines().sweep(System.nanoTime()));
    wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
        .setMaxMessageSize(16 << 20));
    HttpServer server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(cfg.host())
        .setPort(cfg.httpPort())
        .setMaxHeaderSize(cfg.maxHeaderBytes())
        .setMaxInitialLineLength(cfg.maxUriBytes())
        .setIdleTimeout(cfg.clientIdleSeconds())
        .setTcpNoDelay(true)
        .setHandle100ContinueAutomatically(true)
        // HTTP/1.1 only: with h2c detection on, Vert.x calls the connection handler only once the first
        // request head is complete, and the header-read timeout below could never fire
        .setHttp2ClearTextEnabled(false)
        .setMaxWebSocketFrameSize(1 << 20)
        .setMaxWebSocketMessageSize(16 << 20));
    server.connectionHandler(this::onConnection);
    server.requestHandler(this::onRequest);
    return server.listen();
  }

  /** A slow client (slowloris) must finish its first request head in time. */
  private void onConnection(HttpConnection conn) {
    long timer = vertx.setTimer(state.config().headerTimeoutMs(), id -> {
      headerTimers.remove(conn);
      conn.close();
    });
    headerTimers.put(conn, timer);
    conn.closeHandler(v -> {
      Long t = headerTimers.remove(conn);
      if (t != null) {
        vertx.cancelTimer(t);
      }
    });
  }

  private void onRequest(HttpServerRequest req) {
    Long t = headerTimers.remove(req.connection());
    if (t != null) {
      vertx.cancelTimer(t);
    }
    PoolTable pool = state.table().match(req.getHeader("Host"), req.path());
    if (pool == null) {
      req.response().putHeader("Retry-After", "1");
      Problem.of(503, "Service Unavailable", state.loaded()
          ? "no route matches and there is no pool 'default'" : "the gateway has no routing table yet")
          .send(req.response());
      return;
    }
    if (req.canUpgradeToWebSocket()) {
      new WebSocketTunnel(state, wsClient, req, pool).start();
      return;
    }
    req.pause();
    new Exchange(state, backends, req, pool).start();
  }
}
