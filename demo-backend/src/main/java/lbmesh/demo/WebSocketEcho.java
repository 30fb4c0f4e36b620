package lbmesh.demo;

import io.vertx.core.Handler;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.net.SocketAddress;
import java.util.function.Consumer;

/** Echoes every text, binary and continuation frame of a WebSocket back as it came. */
final class WebSocketEcho implements Handler<ServerWebSocket> {

  private final TrafficCounter counter;
  private final Consumer<SocketAddress> connectionClosed;

  /** {@code connectionClosed} learns the peer of each session that ends, for connection tracking. */
  WebSocketEcho(TrafficCounter counter, Consumer<SocketAddress> connectionClosed) {
    this.counter = counter;
    this.connectionClosed = connectionClosed;
  }

  @Override
  public void handle(ServerWebSocket ws) {
    // A session is one request in flight for as long as it is open, as a proxy would count it.
    Runnable finished = counter.begin("GET");
    SocketAddress peer = ws.remoteAddress();
    ws.closeHandler(v -> {
      finished.run();
      connectionClosed.accept(peer);
    });
    ws.exceptionHandler(e -> {}); // a peer vanishing mid-frame is expected in failover tests
    ws.frameHandler(frame -> echo(ws, frame));
  }

  /** Frame by frame rather than message by message, so messages of any size stream through. */
  private static void echo(ServerWebSocket ws, WebSocketFrame frame) {
    if (!frame.isText() && !frame.isBinary() && !frame.isContinuation()) {
      return; // ping, pong and close are Vert.x's business
    }
    ws.writeFrame(frame);
    if (ws.writeQueueFull()) {
      ws.pause();
      ws.drainHandler(v -> ws.resume());
    }
  }
}
