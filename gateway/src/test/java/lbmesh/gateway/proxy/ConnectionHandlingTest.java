package lbmesh.gateway.proxy;

import static lbmesh.gateway.proxy.RawHttp.line;
import static lbmesh.gateway.proxy.RawHttp.read;
import static lbmesh.gateway.proxy.RawHttp.send;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lbmesh.gateway.proxy.RawHttp.Answer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import lbmesh.gateway.GatewayConfig;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.testing.Await;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 connection handling on the client side and the backend side, spoken over raw sockets so the
 * bytes are exactly what a client sends: pipelining, Connection: close, HTTP/1.0, and backend keep-alive.
 */
class ConnectionHandlingTest {
  private final GatewayHarness h = new GatewayHarness();
  private final AtomicInteger backendConnections = new AtomicInteger();
  private final AtomicInteger backendRequests = new AtomicInteger();
  private final AtomicInteger backendCloses = new AtomicInteger();

  private int backendPort;

  /**
   * A backend answering its path; `?delay=ms` waits, `?chunked` answers chunked, `?drip=n` sends n chunks
   * 300 ms apart; it counts its connections.
   */
  @BeforeEach
  void start() throws Exception {
    // a backend that drops connections idle for 1 s, as many servers do (Node's default is 5 s)
    HttpServer backend = h.vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setIdleTimeout(1))
        .connectionHandler(c -> {
          backendConnections.incrementAndGet();
          c.closeHandler(v -> backendCloses.incrementAndGet());
        })
        .requestHandler(req -> {
          backendRequests.incrementAndGet();
          if (req.getParam("drip") != null) {
            int[] left = {Integer.parseInt(req.getParam("drip"))};
            req.response().setChunked(true);
            h.vertx.setPeriodic(300, id -> {
              if (--left[0] < 0) {
                h.vertx.cancelTimer(id);
                req.response().end();
              } else {
                req.response().write("drop ");
              }
            });
            return;
          }
          String delay = req.getParam("delay");
          Runnable answer = () -> {
            String body = new JsonObject().put("path", req.path()).encode();
            if (req.getParam("chunked") != null) {
              req.response().setChunked(true).write(body.substring(0, 5));
              req.response().end(body.substring(5));
            } else {
              req.response().end(body);
            }
          };
          // answered once the request body is in: a backend that answers early makes the gateway close the
          // client connection after that answer (the rest of the body would be lost), a different case
          req.end().onSuccess(v -> {
            if (delay == null) {
              answer.run();
            } else {
              h.vertx.setTimer(Long.parseLong(delay), id -> answer.run());
            }
          });
        }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    backendPort = backend.actualPort();
  }

  private void startGateway(GatewayConfig cfg) throws Exception {
    h.start(cfg);
    h.pool(Pool.fromJson(Pool.defaults("default").toJson().put("algorithm", "round-robin")));
    h.server("default", Server.fromJson(new JsonObject().put("id", "echo").put("host", "127.0.0.1")
        .put("port", backendPort)));
    h.awaitTable();
  }

  private void startGateway() throws Exception {
    startGateway(GatewayConfig.forTest(GatewayHarness.freePort(), GatewayHarness.freePort()));
  }

  @AfterEach
  void close() {
    h.close();
  }

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", h.config.httpPort());
    s.setSoTimeout(10_000);
    return s;
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderEvenWhenTheFirstIsSlowest() throws Exception {
    startGateway();
    try (Socket s = connect()) {
      // one write: the second and third request are already there while the first one waits 300 ms
      send(s, "GET /first?delay=300 HTTP/1.1\r\nHost: a\r\n\r\n"
          + "GET /second HTTP/1.1\r\nHost: a\r\n\r\n"
          + "GET /third?delay=50&chunked HTTP/1.1\r\nHost: a\r\n\r\n");
      InputStream in = s.getInputStream();
      assertEquals("/first", read(in).json().getString("path"));
      assertEquals("/second", read(in).json().getString("path"));
      assertEquals("/third", read(in).json().getString("path"));
    }
    assertEquals(3, backendRequests.get());
  }

  @Test
  void aHeadPipelinedBehindAnExpectContinueRequestDoesNotTakeItsAnswersBody() throws Exception {
    startGateway();
    try (Socket s = connect()) {
      send(s, "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      InputStream in = s.getInputStream();
      assertTrue(line(in).contains("100"), "the gateway answered 100 Continue");
      line(in);
      send(s, "hello" + "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n");
      Answer post = read(in);
      assertEquals("/upload", post.json().getString("path"), "the POST's answer came with its body");
      String headStatus = line(in);
      assertTrue(headStatus.startsWith("HTTP/1.1 200"), headStatus);
    }
  }

  @Test
  void anExpectationOtherThanContinueGets417() throws Exception {
    startGateway();
    try (Socket s = connect()) {
      send(s, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: teapot\r\n\r\nhello");
      Answer a = read(s.getInputStream());
      assertEquals(417, a.status());
      assertEquals("application/problem+json", a.headers().get("Content-Type"));
    }
    assertEquals(0, backendRequests.get());
  }

  @Test
  void connectIsRefusedWith405AndNeverReachesABackend() throws Exception {
    startGateway();
    try (Socket s = connect()) {
      send(s, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
      InputStream in = s.getInputStream();
      Answer a = read(in);
      assertEquals(405, a.status());
      assertEquals("application/problem+json", a.headers().get("Content-Type"));
      assertEquals(-1, in.read(), "and the connection is closed");
    }
    assertEquals(0, backendRequests.get());
  }

  @Test
  void connectionCloseEndsTheConnectionAfterTheAnswer() throws Exception {
    startGateway();
    try (Socket s = connect()) {
      send(s, "GET /bye HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      InputStream in = s.getInputStream();
      Answer a = read(in);
      assertEquals(200, a.status());
      assertEquals("close", a.headers().get("Connection").toLowerCase(Locale.ROOT));
      assertEquals(-1, in.read(), "the gateway closed the connection");
    }
  }

  @Test
  void http10ClientsGetNoChunkingAndKeepAliveOnlyWhenAsked() throws Exception {
    startGateway();
    try (Socket s = connect()) {
      send(s, "GET /old?chunked HTTP/1.0\r\nHost: a\r\n\r\n");
      Answer a = read(s.getInputStream());
      assertEquals(200, a.status());
      assertNull(a.headers().get("Transfer-Encoding"), "HTTP/1.0 has no chunked encoding");
      assertEquals("/old", a.json().getString("path"), "the body ends at the close, whole");
    }
    try (Socket s = connect()) {
      send(s, "GET /one HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
      InputStream in = s.getInputStream();
      Answer first = read(in);
      assertEquals("keep-alive", first.headers().get("Connection").toLowerCase(Locale.ROOT));
      send(s, "GET /two HTTP/1.0\r\nHost: a\r\n\r\n");
      Answer second = read(in);
      assertEquals("/two", second.json().getString("path"), "the kept connection carried a second request");
      assertEquals(-1, in.read(), "closed after the request that did not ask for keep-alive");
    }
  }

  @Test
  void backendConnectionsAreKeptAliveAndReused() throws Exception {
    startGateway();
    try (Socket s = connect()) {
      InputStream in = s.getInputStream();
      for (int i = 0; i < 50; i++) {
        send(s, "GET /n" + i + (i % 2 == 0 ? "?chunked" : "") + " HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals("/n" + i, read(in).json().getString("path"));
      }
    }
    assertEquals(50, backendRequests.get());
    // one client connection lives on one event loop, whose pool has one idle connection to reuse each time
    assertEquals(1, backendConnections.get(), "50 sequential requests shared one backend connection");
  }

  @Test
  void aBodySentWithExpectContinueIsForwardedAfterTheGatewaysContinue() throws Exception {
    startGateway();
    try (Socket s = connect()) {
      send(s, "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      InputStream in = s.getInputStream();
      assertTrue(line(in).contains("100"), "the gateway answered 100 Continue");
      line(in);
      send(s, "hello");
      Answer a = read(in);
      assertEquals(200, a.status());
      assertEquals("/upload", a.json().getString("path"));
    }
  }

  @Test
  void anIdleClientIsClosedAfterTheIdleTimeoutButASlowDownloadIsNot() throws Exception {
    startGateway(GatewayConfig.forTest(GatewayHarness.freePort(), GatewayHarness.freePort()).withClientIdleSeconds(1));
    try (Socket s = connect()) {
      // 7 chunks 300 ms apart: 2.1 s of answer, twice the idle timeout, with traffic all along
      send(s, "GET /slow?drip=7 HTTP/1.1\r\nHost: a\r\n\r\n");
      InputStream in = s.getInputStream();
      Answer a = read(in);
      assertEquals("drop ".repeat(7), a.body(), "the download outlived the idle timeout whole");
      long idleFrom = System.nanoTime();
      assertEquals(-1, in.read(), "then the idle connection was closed");
      long idleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - idleFrom);
      assertTrue(idleMs >= 900 && idleMs < 3000, "closed after about 1 s of idleness, not " + idleMs + " ms");
    }
  }

  @Test
  void aPooledConnectionTheBackendClosedIsNotReused() throws Exception {
    startGateway();
    try (Socket s = connect()) {
      InputStream in = s.getInputStream();
      send(s, "GET /before HTTP/1.1\r\nHost: a\r\n\r\n");
      assertEquals(200, read(in).status());
      // the backend's idle timeout closes the pooled connection; the client's own stays open
      Await.until(java.time.Duration.ofSeconds(5), "the backend closed its idle connection",
          () -> backendCloses.get() == 1);
      send(s, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
      Answer a = read(in);
      assertEquals(200, a.status(), a.body());
      assertEquals("/after", a.json().getString("path"));
    }
    assertEquals(2, backendConnections.get(), "a new connection replaced the closed one");
  }

  @Test
  void anUpgradeTheBackendRefusesIsAnsweredAndTheClientConnectionStaysUsable() throws Exception {
    startGateway();
    try (Socket s = connect()) {
      InputStream in = s.getInputStream();
      // the test backend has no WebSocket handler: it answers the handshake like any request, with 200
      send(s, "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
          + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
      Answer refused = read(in);
      assertEquals(200, refused.status());
      assertEquals("/ws", refused.json().getString("path"));
      send(s, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
      assertEquals("/next", read(in).json().getString("path"), "plain HTTP goes on on the same connection");
    }
  }
}
