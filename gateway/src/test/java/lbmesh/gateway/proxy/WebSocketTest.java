package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketTest {
  private final GatewayHarness h = new GatewayHarness();
  private WebSocketClient ws;
  /** What the client received, in order: "text:..." or "binary:<hex or length>". */
  private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() throws Exception {
    h.start();
    ws = h.vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(8 << 20));
  }

  @AfterEach
  void close() {
    h.close();
  }

  private WebSocketConnectOptions to(String uri) {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(h.config.httpPort()).setURI(uri);
  }

  private WebSocket open(String uri) throws Exception {
    return open(to(uri));
  }

  /** Connects with the message handlers set on the event loop as the handshake completes. */
  private WebSocket open(WebSocketConnectOptions o) throws Exception {
    return ws.connect(o).map(s -> {
      s.textMessageHandler(t -> received.add("text:" + t));
      s.binaryMessageHandler(b -> received.add("binary:" + hex(b)));
      return s;
    }).await(10, TimeUnit.SECONDS);
  }

  private String next() throws InterruptedException {
    String m = received.poll(10, TimeUnit.SECONDS);
    if (m == null) {
      throw new AssertionError("no message within 10 s");
    }
    return m;
  }

  private static String hex(Buffer b) {
    if (b.length() > 64) {
      return b.length() + " bytes, hash " + b.hashCode();
    }
    StringBuilder sb = new StringBuilder();
    for (byte x : b.getBytes()) {
      sb.append(String.format("%02x", x));
    }
    return sb.toString();
  }

  /** This gateway's in-flight count for a server, as its admin {@code /status} reports it. */
  private int statusInflight(String serverId) throws Exception {
    JsonObject status = h.client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
            .setPort(h.config.adminPort()).setURI("/status"))
        .compose(req -> req.send().compose(resp -> resp.body())).await(10, TimeUnit.SECONDS).toJsonObject();
    for (Object p : status.getJsonArray("pools")) {
      for (Object s : ((JsonObject) p).getJsonArray("servers")) {
        JsonObject server = (JsonObject) s;
        if (server.getString("id").equals(serverId)) {
          return server.getJsonObject("inflight").getInteger("local");
        }
      }
    }
    throw new AssertionError("server " + serverId + " not in /status: " + status.encode());
  }

  private boolean inflightIs(String serverId, int n) {
    try {
      return statusInflight(serverId) == n;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void textAndBinaryFramesKeepTheirTypeAndContent() throws Exception {
    DemoBackend b = h.backend();
    h.defaultPool("round-robin", b);
    h.awaitTable();
    WebSocket s = open("/chat?room=1");

    s.writeTextMessage("héllo wörld ✓");
    assertEquals("text:héllo wörld ✓", next());

    // the same bytes as binary must come back as binary, not as text
    s.writeBinaryMessage(Buffer.buffer("héllo wörld ✓", "UTF-8"));
    assertEquals("binary:" + hex(Buffer.buffer("héllo wörld ✓", "UTF-8")), next());

    byte[] random = new byte[256];
    new Random(42).nextBytes(random); // not valid UTF-8
    s.writeBinaryMessage(Buffer.buffer(random));
    assertEquals("binary:" + hex(Buffer.buffer(random)), next());

    // a message split over several frames: the continuation frames go through as they are
    s.writeFrame(WebSocketFrame.textFrame("frag", false));
    s.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("men"), false));
    s.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("ted"), true));
    assertEquals("text:fragmented", next());

    // larger than one client frame (64 KiB): several frames, one message
    byte[] big = new byte[1 << 20];
    new Random(7).nextBytes(big);
    s.writeBinaryMessage(Buffer.buffer(big));
    assertEquals("binary:" + hex(Buffer.buffer(big)), next());

    assertEquals(1, b.stats().totalRequests(), "one session, one upgrade on the backend");
    s.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void aHundredMessageConversationThenTheClientClosesAndTheBackendSessionEnds() throws Exception {
    DemoBackend b = h.backend();
    h.defaultPool("round-robin", b);
    h.awaitTable();
    WebSocket s = open("/conversation");
    for (int i = 0; i < 100; i++) {
      if (i % 2 == 0) {
        s.writeTextMessage("message " + i);
        assertEquals("text:message " + i, next());
      } else {
        Buffer bytes = Buffer.buffer().appendInt(i).appendString("#" + i);
        s.writeBinaryMessage(bytes);
        assertEquals("binary:" + hex(bytes), next());
      }
    }
    assertEquals(1, b.stats().inFlight(), "the open session is in flight on the backend");
    assertEquals(1, statusInflight(b.id()), "and on the gateway");

    Promise<Short> closed = Promise.promise();
    s.closeHandler(v -> closed.tryComplete(s.closeStatusCode()));
    s.close().await(5, TimeUnit.SECONDS);
    Await.until(Duration.ofSeconds(5), "backend session closed", () -> b.stats().inFlight() == 0);
    Await.until(Duration.ofSeconds(5), "gateway in-flight back to 0", () -> inflightIs(b.id(), 0));
    assertEquals((short) 1000, closed.future().await(5, TimeUnit.SECONDS));
    assertTrue(received.isEmpty(), "no stray message: " + received);
  }

  @Test
  void theBackendClosingClosesTheClient() throws Exception {
    DemoBackend b = h.backend();
    h.defaultPool("round-robin", b);
    h.awaitTable();
    WebSocket s = open("/x");
    Promise<Void> closed = Promise.promise();
    s.closeHandler(v -> closed.tryComplete());
    s.writeTextMessage("ping");
    assertEquals("text:ping", next());

    b.dropConnections().await(5, TimeUnit.SECONDS);
    closed.future().await(5, TimeUnit.SECONDS);
    Await.until(Duration.ofSeconds(5), "gateway in-flight back to 0", () -> inflightIs(b.id(), 0));
  }

  /** A backend WebSocket server that reports how its sessions were closed and greets on open. */
  private HttpServer observer(Promise<String> closedWith) throws Exception {
    return h.vertx.createHttpServer().webSocketHandler((ServerWebSocket sw) -> {
      sw.writeTextMessage("welcome " + sw.path());
      sw.textMessageHandler(t -> sw.writeTextMessage("echo " + t));
      sw.closeHandler(v -> closedWith.tryComplete(sw.closeStatusCode() + " " + sw.closeReason()));
    }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
  }

  private void onlyServer(String id, int port, int maxConnections) {
    h.pool(Pool.defaults(Pool.DEFAULT_POOL));
    h.server(Pool.DEFAULT_POOL, Server.fromJson(new JsonObject().put("id", id).put("host", "127.0.0.1")
        .put("port", port).put("maxConnections", maxConnections)));
    h.awaitTable();
  }

  /**
   * Many servers speak first (a greeting, a snapshot of state). The tunnel must not drop what the backend sends
   * between its handshake and the client's.
   */
  @Test
  void messagesTheBackendSendsOnOpenAreNotLost() throws Exception {
    int sessions = 20;
    // control: straight to the backend, this client gets every greeting
    HttpServer direct = observer(Promise.promise());
    for (int i = 0; i < sessions; i++) {
      WebSocket d = open(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(direct.actualPort())
          .setURI("/direct/" + i));
      assertEquals("text:welcome /direct/" + i, next());
      d.close().await(5, TimeUnit.SECONDS);
    }
    onlyServer("observer", direct.actualPort(), 0);
    int lost = 0;
    for (int i = 0; i < sessions; i++) {
      WebSocket s = open("/room/" + i);
      s.writeTextMessage("hi " + i);
      String first = next();
      if (first.equals("text:echo hi " + i)) {
        lost++;
      } else {
        assertEquals("text:welcome /room/" + i, first);
        assertEquals("text:echo hi " + i, next());
      }
      s.close().await(5, TimeUnit.SECONDS);
    }
    assertEquals(0, lost, "greetings lost in the gateway out of " + sessions);
  }

  @Test
  void theClientsCloseCodeAndReasonReachTheBackend() throws Exception {
    Promise<String> backendClosed = Promise.promise();
    HttpServer srv = observer(backendClosed);
    onlyServer("observer", srv.actualPort(), 0);
    WebSocket s = open("/room");
    s.writeTextMessage("hi");
    Await.until(Duration.ofSeconds(5), "echo", () -> received.contains("text:echo hi"));
    s.close((short) 4001, "client done").await(5, TimeUnit.SECONDS);
    assertEquals("4001 client done", backendClosed.future().await(5, TimeUnit.SECONDS));
    Await.until(Duration.ofSeconds(5), "gateway in-flight back to 0", () -> inflightIs("observer", 0));
  }

  /** Opens a WebSocket through the gateway by hand and returns the socket after the 101 head. */
  private Socket rawUpgrade() throws Exception {
    Socket raw = new Socket("127.0.0.1", h.config.httpPort());
    raw.setSoTimeout(5000);
    OutputStream out = raw.getOutputStream();
    out.write(("GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = raw.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      head.append((char) c);
    }
    assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
    assertTrue(head.toString().contains("X-LB-Server: backend-"), "the 101 names the server: " + head);
    return raw;
  }

  @Test
  void aClientThatVanishesWithoutACloseFrameEndsTheBackendSession() throws Exception {
    DemoBackend b = h.backend();
    h.defaultPool("round-robin", b);
    h.awaitTable();
    try (Socket raw = rawUpgrade()) {
      Await.until(Duration.ofSeconds(5), "backend session open", () -> b.stats().inFlight() == 1);
    } // TCP closed with no close frame
    Await.until(Duration.ofSeconds(5), "backend session closed", () -> b.stats().inFlight() == 0);
    Await.until(Duration.ofSeconds(5), "gateway in-flight back to 0", () -> inflightIs(b.id(), 0));
  }

  /** A close frame with no status code is legal (RFC 6455 5.5.1); the tunnel must still close the backend. */
  @Test
  void aCloseFrameWithoutStatusCodeEndsTheBackendSession() throws Exception {
    DemoBackend b = h.backend();
    h.defaultPool("round-robin", b);
    h.awaitTable();
    try (Socket raw = rawUpgrade()) {
      Await.until(Duration.ofSeconds(5), "backend session open", () -> b.stats().inFlight() == 1);
      // FIN + close opcode, masked, empty payload
      raw.getOutputStream().write(new byte[] {(byte) 0x88, (byte) 0x80, 1, 2, 3, 4});
      raw.getOutputStream().flush();
      Await.until(Duration.ofSeconds(5), "backend session closed", () -> b.stats().inFlight() == 0);
      Await.until(Duration.ofSeconds(5), "gateway in-flight back to 0", () -> inflightIs(b.id(), 0));
    }
  }

  @Test
  void anUpgradeToAPoolWithNoServerGives503AndToADeadServer502() throws Exception {
    h.defaultPool("round-robin");
    h.awaitTable();
    Throwable e = ws.connect(to("/chat")).transform(ar -> Future.succeededFuture(ar.cause()))
        .await(10, TimeUnit.SECONDS);
    UpgradeRejectedException rejected = assertInstanceOf(UpgradeRejectedException.class, e);
    assertEquals(503, rejected.getStatus());
    assertEquals("1", rejected.getHeaders().get("Retry-After"));

    int dead = GatewayHarness.freePort();
    onlyServer("dead", dead, 0);
    e = ws.connect(to("/chat")).transform(ar -> Future.succeededFuture(ar.cause()))
        .await(10, TimeUnit.SECONDS);
    rejected = assertInstanceOf(UpgradeRejectedException.class, e);
    assertEquals(502, rejected.getStatus());
    assertEquals(0, statusInflight("dead"));
  }

  @Test
  void anOpenWebSocketHoldsOneOfTheServersMaxConnections() throws Exception {
    DemoBackend b = h.backend();
    onlyServer(b.id(), b.port(), 1);
    WebSocket first = open("/a");
    first.writeTextMessage("a");
    assertEquals("text:a", next());
    Throwable e = ws.connect(to("/b")).transform(ar -> Future.succeededFuture(ar.cause()))
        .await(10, TimeUnit.SECONDS);
    UpgradeRejectedException full = assertInstanceOf(UpgradeRejectedException.class, e);
    assertEquals(503, full.getStatus());
    assertEquals("1", full.getHeaders().get("Retry-After"));
    assertEquals(1, b.stats().totalRequests(), "the refused upgrade never reached the backend");
    first.close().await(5, TimeUnit.SECONDS);
    Await.until(Duration.ofSeconds(5), "slot released", () -> inflightIs(b.id(), 0));
    WebSocket second = open("/b");
    second.writeTextMessage("b");
    assertEquals("text:b", next());
    second.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void theSubProtocolTheBackendChoosesIsTheOneTheClientGets() throws Exception {
    HttpServer srv = h.vertx.createHttpServer(new HttpServerOptions().setWebSocketSubProtocols(List.of("chat.v2")))
        .webSocketHandler(sw -> sw.writeTextMessage("protocol " + sw.subProtocol()))
        .listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    onlyServer("versioned", srv.actualPort(), 0);
    WebSocket s = open(to("/").addSubProtocol("chat.v1").addSubProtocol("chat.v2"));
    assertEquals("chat.v2", s.subProtocol());
    assertEquals("text:protocol chat.v2", next(), "the backend agreed on the same one");
    s.close().await(5, TimeUnit.SECONDS);
  }
}
