package lbmesh.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import java.util.Locale;
import lbmesh.gateway.GatewayState;
import lbmesh.gateway.balance.PickRequest;
import lbmesh.gateway.route.PoolTable;
import lbmesh.gateway.route.ServerSlot;
import lbmesh.shared.http.Problem;

/**
 * A WebSocket through the gateway: the backend handshake is made first (so a refused upgrade can still
 * be answered with an HTTP error), then frames flow both ways, text and binary kept apart, with
 * back-pressure. The connection counts as one in-flight request on its server until it closes.
 */
final class WebSocketTunnel {
  private final GatewayState state;
  private final WebSocketClient client;
  private final HttpServerRequest req;
  private final PoolTable pool;

  WebSocketTunnel(GatewayState state, WebSocketClient client, HttpServerRequest req, PoolTable pool) {
    this.state = state;
    this.client = client;
    this.req = req;
    this.pool = pool;
  }

  void start() {
    req.pause();
    ServerChoice choice = new ServerChoice(pool, PickRequest.of(
        req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress(), req.path(), req.query()),
        state.locality(pool.name()), System.currentTimeMillis());
    ServerSlot chosen = choice.next();
    if (chosen == null) {
      req.response().putHeader("Retry-After", "1");
      Problem.of(503, "Service Unavailable", "no server of pool '" + pool.name() + "' can take a WebSocket")
          .send(req.response());
      return;
    }
    MultiMap headers = HttpHeaders.headers();
    for (var e : req.headers()) {
      String k = e.getKey().toLowerCase(Locale.ROOT);
      // the client library writes its own handshake headers
      if (!k.startsWith("sec-websocket-key") && !k.equals("sec-websocket-version") && !k.equals("upgrade")
          && !k.equals("connection") && !k.equals("host") && !k.equals("sec-websocket-extensions")
          && !k.equals("sec-websocket-protocol")) {
        headers.add(e.getKey(), e.getValue());
      }
    }
    Forwarding.addForwarded(headers, req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress(), "http",
        req.getHeader("Host"));
    WebSocketConnectOptions opts = new WebSocketConnectOptions()
        .setHost(chosen.server().host())
        .setPort(chosen.server().port())
        .setURI(req.uri())
        .setHeaders(headers)
        .setConnectTimeout(pool.pool().timeouts().connectMs());
    String protocols = req.getHeader("Sec-WebSocket-Protocol");
    if (protocols != null) {
      for (String p : protocols.split("\\s*,\\s*")) {
        opts.addSubProtocol(p);
      }
    }
    client.connect(opts).onComplete(ar -> {
      if (ar.failed()) {
        chosen.stats().end();
        Problem.of(502, "Bad Gateway", "WebSocket handshake with server '" + chosen.id() + "' failed: "
            + ar.cause().getMessage()).send(req.response());
        return;
      }
      WebSocket backend = ar.result();
      // A backend may speak first (a greeting, a state snapshot). Until the client's side exists there is no
      // handler, and a frame delivered with no handler is dropped: hold them in the backend's buffer instead.
      backend.pause();
      if (state.config().exposeServerHeader()) {
        req.response().putHeader("X-LB-Server", chosen.id());
      }
      // The traffic server knows no sub-protocols of its own, so it would answer the client's handshake with
      // none and a client that asked for one fails the handshake: answer with the one the backend chose
      // (the handshake keeps headers already set on the response).
      if (backend.subProtocol() != null) {
        req.response().putHeader("Sec-WebSocket-Protocol", backend.subProtocol());
      }
      req.toWebSocket().onComplete(sr -> {
        if (sr.failed()) {
          chosen.stats().end();
          backend.close();
          return;
        }
        ServerWebSocket front = sr.result();
        boolean[] released = {false};
        Runnable release = () -> {
          if (!released[0]) {
            released[0] = true;
            chosen.stats().end();
          }
        };
        relay(front, backend);
        relay(backend, front);
        front.closeHandler(v -> {
          release.run();
          if (!backend.isClosed()) {
            backend.close(front.closeStatusCode() == null ? 1000 : front.closeStatusCode(), front.closeReason());
          }
        });
        backend.closeHandler(v -> {
          release.run();
          if (!front.isClosed()) {
            front.close(backend.closeStatusCode() == null ? 1000 : backend.closeStatusCode(), backend.closeReason());
          }
        });
        backend.resume();
        if (backend.isClosed()) {
          // it went away during the client's handshake, before its close handler was set
          release.run();
          front.close();
        }
      });
    });
  }

  /** Forwards data frames from `from` to `to`, pausing `from` while `to` cannot keep up. */
  private static void relay(WebSocketBase from, WebSocketBase to) {
    from.frameHandler((WebSocketFrame f) -> {
      if (f.isClose() || f.isPing() || f.type() == io.vertx.core.http.WebSocketFrameType.PONG) {
        return;
      }
      to.writeFrame(f);
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
  }
}
