package lbmesh.gateway.proxy;

import static lbmesh.gateway.proxy.RawHttp.bytes;
import static lbmesh.gateway.proxy.RawHttp.chunkSize;
import static lbmesh.gateway.proxy.RawHttp.line;
import static lbmesh.gateway.proxy.RawHttp.lineOrNull;
import static lbmesh.gateway.proxy.RawHttp.read;
import static lbmesh.gateway.proxy.RawHttp.send;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import lbmesh.gateway.proxy.RawHttp.Answer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import lbmesh.gateway.GatewayConfig;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The proxy against clients and backends that misbehave: exhausted backend pools, clients that leave
 * mid-request, backends that answer early, answer garbage or more than they framed, and requests framed
 * to smuggle a second one past the gateway. Raw sockets on both sides, so the bytes are exactly these.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdversarialProxyTest {
  private final GatewayHarness h = new GatewayHarness();
  private final List<RawBackend> rawBackends = new CopyOnWriteArrayList<>();
  private final List<Socket> clients = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    clients.forEach(AdversarialProxyTest::quietly);
    rawBackends.forEach(RawBackend::close);
    h.close();
  }

  private static void quietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // teardown
    }
  }

  // ---- the gateway and its pool

  private void startGateway(GatewayConfig cfg, JsonObject poolSettings, int... ports) throws Exception {
    h.start(cfg);
    h.pool(Pool.fromJson(Pool.defaults("default").toJson().put("algorithm", "round-robin")
        .put("outlier", new JsonObject().put("consecutiveFailures", 0)).mergeIn(poolSettings)));
    for (int i = 0; i < ports.length; i++) {
      h.server("default", Server.fromJson(new JsonObject().put("id", "b" + i).put("host", "127.0.0.1")
          .put("port", ports[i])));
    }
    h.awaitTable();
  }

  private void startGateway(int... ports) throws Exception {
    startGateway(config(), new JsonObject(), ports);
  }

  private static GatewayConfig config() throws Exception {
    return GatewayConfig.forTest(GatewayHarness.freePort(), GatewayHarness.freePort()).withExposeServerHeader(true);
  }

  /** The requests in flight on the servers of pool `default`, as the gateway counts them. */
  private int inflight() {
    return h.gateway.state().table().pools().get("default").all().stream().mapToInt(s -> s.stats().inflight()).sum();
  }

  private void awaitNoneInflight() {
    Await.until(Duration.ofSeconds(5), "no request in flight (now " + inflight() + ")", () -> inflight() == 0);
  }

  private int eventLoops() {
    int n = 0;
    for (var ignored : ((VertxInternal) h.vertx).eventLoopGroup()) {
      n++;
    }
    return n;
  }

  // ---- a Vert.x backend: `?delay=ms` answers late; it counts connections, closes and requests at once

  private final AtomicInteger vxConnections = new AtomicInteger();
  private final AtomicInteger vxCloses = new AtomicInteger();
  private final AtomicInteger vxRequests = new AtomicInteger();
  private final AtomicInteger vxActive = new AtomicInteger();
  private final AtomicInteger vxMaxActive = new AtomicInteger();
  private final AtomicLong vxBodyBytes = new AtomicLong();

  private int vertxBackend() throws Exception {
    HttpServer s = h.vertx.createHttpServer()
        .connectionHandler(c -> {
          vxConnections.incrementAndGet();
          c.closeHandler(v -> vxCloses.incrementAndGet());
        })
        .requestHandler(req -> {
          vxRequests.incrementAndGet();
          vxMaxActive.accumulateAndGet(vxActive.incrementAndGet(), Math::max);
          AtomicBoolean over = new AtomicBoolean();
          Runnable done = () -> {
            if (over.compareAndSet(false, true)) {
              vxActive.decrementAndGet();
            }
          };
          req.response().closeHandler(v -> done.run());
          req.handler(b -> vxBodyBytes.addAndGet(b.length()));
          req.endHandler(v -> {
            String delay = req.getParam("delay");
            h.vertx.setTimer(delay == null ? 1 : Math.max(1, Long.parseLong(delay)), id -> {
              done.run();
              if (!req.response().closed()) {
                req.response().end(new JsonObject().put("path", req.path()).encode());
              }
            });
          });
        }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    return s.actualPort();
  }

  // ---- a backend on a plain ServerSocket, writing exact bytes

  /** Serves one backend connection; returns when it is done with it. */
  private interface Conversation {
    void serve(RawBackend b, InputStream in, OutputStream out) throws IOException;
  }

  /** A request as a raw backend read it: its header lines as sent, and its body as framed. */
  private record RawRequest(String method, String uri, List<String[]> headers, byte[] body) {
    List<String> all(String name) {
      return headers.stream().filter(hd -> hd[0].equalsIgnoreCase(name)).map(hd -> hd[1]).toList();
    }

    String body8() {
      return new String(body, StandardCharsets.ISO_8859_1);
    }
  }

  private final class RawBackend implements AutoCloseable {
    final ServerSocket server;
    final AtomicInteger connections = new AtomicInteger();
    final List<RawRequest> requests = new CopyOnWriteArrayList<>();
    final List<Socket> sockets = new CopyOnWriteArrayList<>();

    RawBackend(Conversation conversation) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread accept = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            connections.incrementAndGet();
            sockets.add(s);
            Thread t = new Thread(() -> {
              try (s) {
                conversation.serve(this, s.getInputStream(), s.getOutputStream());
              } catch (IOException e) {
                // the gateway closed the connection
              }
            }, "raw-backend-conn");
            t.setDaemon(true);
            t.start();
          } catch (IOException e) {
            return;
          }
        }
      }, "raw-backend-accept");
      accept.setDaemon(true);
      accept.start();
      rawBackends.add(this);
    }

    int port() {
      return server.getLocalPort();
    }

    /** Reads one request (head and body as framed), or null at the end of the stream. */
    RawRequest read(InputStream in, boolean withBody) throws IOException {
      String first = lineOrNull(in);
      if (first == null) {
        return null;
      }
      String[] parts = first.split(" ");
      List<String[]> headers = new ArrayList<>();
      for (String l = line(in); !l.isEmpty(); l = line(in)) {
        int colon = l.indexOf(':');
        headers.add(new String[] {l.substring(0, colon).trim(), l.substring(colon + 1).trim()});
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      RawRequest r = new RawRequest(parts[0], parts[1], headers, new byte[0]);
      if (withBody) {
        if (r.all("Transfer-Encoding").stream().anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("chunked"))) {
          for (int size = chunkSize(line(in)); size > 0; size = chunkSize(line(in))) {
            body.write(in.readNBytes(size));
            line(in);
          }
          for (String l = line(in); !l.isEmpty(); l = line(in)) {
            // trailers
          }
        } else if (!r.all("Content-Length").isEmpty()) {
          body.write(in.readNBytes(Integer.parseInt(r.all("Content-Length").get(0))));
        }
        r = new RawRequest(r.method(), r.uri(), headers, body.toByteArray());
      }
      requests.add(r);
      return r;
    }

    @Override
    public void close() {
      try {
        server.close();
      } catch (IOException e) {
        // teardown
      }
      sockets.forEach(AdversarialProxyTest::quietly);
    }
  }

  private static String ok(String body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
  }

  // ---- the client side, on raw sockets (after ConnectionHandlingTest)

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", h.config.httpPort());
    s.setSoTimeout(10_000);
    clients.add(s);
    return s;
  }

  private static void assertClosed(InputStream in, String what) throws IOException {
    try {
      int c = in.read();
      assertEquals(-1, c, what + ": got a byte '" + (char) c + "' instead of the close");
    } catch (SocketException reset) {
      // closed with unread bytes on its side: a reset is a close too
    } catch (SocketTimeoutException t) {
      fail(what + ": the connection is still open");
    }
  }

  // ---- 1. pool exhaustion and the wait queue

  @Test
  void withOneBackendConnectionPerLoopConcurrentSlowRequestsQueueAndAllSucceed() throws Exception {
    int port = vertxBackend();
    startGateway(config().withBackendPoolSize(1), new JsonObject()
        .put("timeouts", new JsonObject().put("connectMs", 10_000)), port);
    int loops = eventLoops();
    int n = 2 * loops + 1;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<CompletableFuture<GatewayHarness.Reply>> replies = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String uri = "/slow" + i + "?delay=150";
        replies.add(CompletableFuture.supplyAsync(() -> {
          try {
            return h.get(uri);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, pool));
      }
      for (int i = 0; i < n; i++) {
        GatewayHarness.Reply r = replies.get(i).get(20, TimeUnit.SECONDS);
        assertEquals(200, r.status(), r.body().toString());
        assertEquals("/slow" + i, r.json().getString("path"));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(n, vxRequests.get());
    assertTrue(vxConnections.get() <= loops, "at most one backend connection per event loop, not "
        + vxConnections.get() + " for " + loops + " loops");
    assertTrue(vxMaxActive.get() <= loops, "at most one request at a time per loop reached the backend, not "
        + vxMaxActive.get());
    awaitNoneInflight();
  }

  @Test
  void aQueuedRequestWhoseConnectTimeoutPassesFailsOverToAnotherServer() throws Exception {
    int slowPort = vertxBackend();
    RawBackend fast = new RawBackend((b, in, out) -> {
      for (RawRequest r = b.read(in, true); r != null; r = b.read(in, true)) {
        out.write(bytes(ok("fast")));
        out.flush();
      }
    });
    h.start(config().withBackendPoolSize(1));
    // smooth weighted round robin at 256:1 sends the first requests all to the slow server
    h.pool(Pool.fromJson(Pool.defaults("default").toJson().put("algorithm", "weighted-round-robin")
        .put("outlier", new JsonObject().put("consecutiveFailures", 0))
        .put("timeouts", new JsonObject().put("connectMs", 400))));
    h.server("default", Server.fromJson(new JsonObject().put("id", "slow").put("host", "127.0.0.1")
        .put("port", slowPort).put("weight", 256)));
    h.server("default", Server.fromJson(new JsonObject().put("id", "fast").put("host", "127.0.0.1")
        .put("port", fast.port()).put("weight", 1)));
    h.awaitTable();
    int loops = eventLoops();
    // one more client connection than loops: at least two share a loop, so one waits for the slow connection
    int n = loops + 1;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    List<String> servedBy = new CopyOnWriteArrayList<>();
    try {
      List<CompletableFuture<long[]>> replies = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        replies.add(CompletableFuture.supplyAsync(() -> {
          try {
            long t0 = System.nanoTime();
            GatewayHarness.Reply r = h.get("/?delay=3000");
            servedBy.add(r.header("X-LB-Server"));
            return new long[] {r.status(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)};
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, pool));
      }
      int failedOver = 0;
      for (CompletableFuture<long[]> f : replies) {
        long[] r = f.get(20, TimeUnit.SECONDS);
        assertEquals(200, r[0]);
        if (r[1] < 2500) {
          failedOver++;
        }
      }
      assertTrue(failedOver >= 1, "a request queued behind a 3 s answer was failed over at its connect timeout");
      assertTrue(servedBy.contains("fast"), "the fast server answered the queued request: " + servedBy);
      assertTrue(servedBy.stream().filter("slow"::equals).count() <= loops, servedBy.toString());
    } finally {
      pool.shutdownNow();
    }
    awaitNoneInflight();
    // the queue holds no stale lease: the slow server's connections serve again
    assertEquals(200, h.get("/again").status());
  }

  @Test
  void aQueuedRequestWithNoOtherServerIsAnswered504AtItsConnectTimeout() throws Exception {
    int port = vertxBackend();
    startGateway(config().withBackendPoolSize(1), new JsonObject()
        .put("timeouts", new JsonObject().put("connectMs", 400)), port);
    int loops = eventLoops();
    int n = loops + 1;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<CompletableFuture<long[]>> replies = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        replies.add(CompletableFuture.supplyAsync(() -> {
          try {
            long t0 = System.nanoTime();
            GatewayHarness.Reply r = h.get("/?delay=3000");
            return new long[] {r.status(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)};
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, pool));
      }
      int timedOut = 0;
      for (CompletableFuture<long[]> f : replies) {
        long[] r = f.get(20, TimeUnit.SECONDS);
        assertTrue(r[0] == 200 || r[0] == 504, "status " + r[0]);
        if (r[0] == 504) {
          timedOut++;
          assertTrue(r[1] < 2500, "the 504 came at the connect timeout, not after the slow answer: " + r[1] + " ms");
        }
      }
      assertTrue(timedOut >= 1, "at least one request waited for a connection past its connect timeout");
    } finally {
      pool.shutdownNow();
    }
    awaitNoneInflight();
    assertEquals(200, h.get("/again").status());
  }

  // ---- 2. and 3. the client leaves mid-request

  @Test
  void aClientThatLeavesMidUploadFreesTheBackendConnectionAndItsInflightSlot() throws Exception {
    int port = vertxBackend();
    startGateway(port);
    try (Socket s = connect()) {
      send(s, "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n");
      s.getOutputStream().write(new byte[256 * 1024]);
      s.getOutputStream().flush();
      Await.until(Duration.ofSeconds(5), "the upload reached the backend", () -> vxBodyBytes.get() > 0);
      assertEquals(1, inflight());
    }
    awaitNoneInflight();
    Await.until(Duration.ofSeconds(5), "the half-uploaded backend connection was closed", () -> vxCloses.get() == 1);
    Await.until(Duration.ofSeconds(5), "the backend saw its request end", () -> vxActive.get() == 0);
    try (Socket s = connect()) {
      send(s, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
      Answer a = read(s.getInputStream());
      assertEquals(200, a.status(), a.body());
      assertEquals("/after", new JsonObject(a.body()).getString("path"));
    }
  }

  @Test
  void aClientThatLeavesWhileTheBackendThinksFreesItsSlotAndSpoilsNoPooledConnection() throws Exception {
    int port = vertxBackend();
    startGateway(port);
    try (Socket s = connect()) {
      send(s, "GET /slow?delay=4000 HTTP/1.1\r\nHost: a\r\n\r\n");
      Await.until(Duration.ofSeconds(5), "the request reached the backend", () -> vxRequests.get() == 1);
      assertEquals(1, inflight());
    }
    // well before the backend's answer at 4 s
    long ms = Await.until(Duration.ofSeconds(2), "the slot was freed when the client left", () -> inflight() == 0);
    Await.until(Duration.ofSeconds(2), "the connection owing an answer was closed", () -> vxCloses.get() == 1);
    assertTrue(ms < 2000);
    try (Socket s = connect()) {
      InputStream in = s.getInputStream();
      for (int i = 0; i < 5; i++) {
        send(s, "GET /after" + i + " HTTP/1.1\r\nHost: a\r\n\r\n");
        Answer a = read(in);
        assertEquals(200, a.status(), a.body());
        assertEquals("/after" + i, new JsonObject(a.body()).getString("path"), "each answer is its own");
      }
    }
    awaitNoneInflight();
  }

  // ---- 4. the backend answers before the upload is through

  @Test
  void anEarlyAnswerToALargeUploadReachesTheClientAndTheConnectionClosesAfterIt() throws Exception {
    RawBackend refuser = new RawBackend((b, in, out) -> {
      for (RawRequest r = b.read(in, false); r != null; r = b.read(in, false)) {
        if (r.method().equals("POST")) {
          out.write(bytes("HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\n"
              + "too large"));
          out.flush();
          // keeps reading what comes, as a server draining the refused body before closing would
          in.transferTo(OutputStream.nullOutputStream());
          return;
        }
        out.write(bytes(ok("fine")));
        out.flush();
      }
    });
    startGateway(refuser.port());
    try (Socket s = connect()) {
      send(s, "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000\r\n\r\n");
      AtomicBoolean writerDone = new AtomicBoolean();
      Thread writer = new Thread(() -> {
        byte[] chunk = new byte[64 * 1024];
        try {
          OutputStream out = s.getOutputStream();
          for (int sent = 0; sent < 100_000_000; sent += chunk.length) {
            out.write(chunk);
          }
        } catch (IOException e) {
          // the gateway closed the connection: expected
        } finally {
          writerDone.set(true);
        }
      }, "uploader");
      writer.setDaemon(true);
      writer.start();
      InputStream in = s.getInputStream();
      Answer a = read(in);
      assertEquals(413, a.status());
      assertEquals("too large", a.body());
      assertEquals("close", a.headers().get("Connection"), "the connection closes after an answer to a half-read body");
      assertClosed(in, "after the 413");
      writer.join(10_000);
      assertTrue(writerDone.get(), "the upload stopped: the gateway does not read a refused body forever");
    }
    awaitNoneInflight();
    assertEquals(200, h.get("/next").status());
  }

  // ---- 5. a backend that does not speak HTTP

  @Test
  void aBackendAnsweringGarbageGives502AndTheClientConnectionGoesOn() throws Exception {
    RawBackend garbage = new RawBackend((b, in, out) -> {
      while (b.read(in, true) != null) {
        out.write(bytes("HTPT/1.1 2OO SURE\r\nno colon here\r\n\r\n"));
        out.flush();
      }
    });
    startGateway(garbage.port());
    try (Socket s = connect()) {
      InputStream in = s.getInputStream();
      for (int i = 0; i < 3; i++) {
        send(s, "GET /g" + i + " HTTP/1.1\r\nHost: a\r\n\r\n");
        Answer a = read(in);
        assertEquals(502, a.status(), a.body());
        assertEquals("application/problem+json", a.headers().get("Content-Type"));
      }
      // a POST too (not retried)
      send(s, "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi");
      assertEquals(502, read(in).status());
    }
    awaitNoneInflight();
  }

  @Test
  void aBackendAnsweringBinaryGarbageThenClosingGives502() throws Exception {
    RawBackend tls = new RawBackend((b, in, out) -> {
      b.read(in, true);
      // what a TLS server answers to plain text, more or less
      out.write(new byte[] {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50, (byte) 0xa5, (byte) 0xff, 'x'});
      out.flush();
    });
    startGateway(tls.port());
    GatewayHarness.Reply r = h.get("/");
    assertEquals(502, r.status(), r.body().toString());
    assertEquals("application/problem+json", r.header("Content-Type"));
    awaitNoneInflight();
  }

  @Test
  void aBackendSendingAnEndlessStatusLineIsCutOffAndAnswered() throws Exception {
    RawBackend babbler = new RawBackend((b, in, out) -> {
      b.read(in, true);
      // no line end, ever: more than the decoder's 16 KiB line limit
      for (int i = 0; i < 64; i++) {
        out.write(bytes("x".repeat(1024)));
        out.flush();
      }
      in.transferTo(OutputStream.nullOutputStream());
    });
    startGateway(config(), new JsonObject().put("timeouts", new JsonObject().put("responseHeaderMs", 2000)),
        babbler.port());
    GatewayHarness.Reply r = h.get("/");
    assertTrue(r.status() == 502 || r.status() == 504, "status " + r.status());
    assertEquals("application/problem+json", r.header("Content-Type"));
    awaitNoneInflight();
  }

  // ---- 6. a backend that sends more than it framed

  /** Answers `real:<uri>` and, for paths naming it, stray bytes behind the answer in the same write. */
  private RawBackend overTalker() throws IOException {
    return new RawBackend((b, in, out) -> {
      for (RawRequest r = b.read(in, true); r != null; r = b.read(in, true)) {
        String stray = "";
        if (r.uri().contains("stray-response")) {
          stray = ok("stray");
        } else if (r.uri().contains("stray-bytes")) {
          stray = "stray";
        } else if (r.uri().contains("stray-head")) {
          stray = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n";
        }
        out.write(bytes(ok("real:" + r.uri()) + stray));
        out.flush();
      }
    });
  }

  @Test
  void aStrayResponseAfterAnAnswerNeverBecomesTheNextAnswer() throws Exception {
    RawBackend talker = overTalker();
    startGateway(talker.port());
    try (Socket s = connect()) {
      InputStream in = s.getInputStream();
      for (int i = 0; i < 3; i++) {
        send(s, "GET /stray-response HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals("real:/stray-response", read(in).body());
        send(s, "GET /next-get HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals("real:/next-get", read(in).body());
        send(s, "GET /stray-response HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals("real:/stray-response", read(in).body());
        // a POST is not retried: it must not go out on the connection the stray answer spoilt
        send(s, "POST /next-post HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi");
        Answer post = read(in);
        assertEquals(200, post.status(), post.body());
        assertEquals("real:/next-post", post.body());
      }
    }
    // six stray answers, each closing its connection: the first connection and one more per stray answer
    assertEquals(7, talker.connections.get(), "each connection a stray answer spoilt was closed, not reused");
    awaitNoneInflight();
  }

  /**
   * A partial message behind an answer stays in the backend connection's decoder; the connection must not
   * go back to the pool with it, or the next request there would have those bytes read as its answer.
   */
  @Test
  void partialStrayBytesAfterAnAnswerNeverBecomeTheNextAnswer() throws Exception {
    RawBackend talker = overTalker();
    startGateway(talker.port());
    try (Socket s = connect()) {
      InputStream in = s.getInputStream();
      for (String kind : List.of("stray-bytes", "stray-head")) {
        for (String method : List.of("GET", "POST")) {
          send(s, "GET /" + kind + " HTTP/1.1\r\nHost: a\r\n\r\n");
          assertEquals("real:/" + kind, read(in).body());
          send(s, method + " /next HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi");
          Answer next = read(in);
          assertEquals("real:/next", next.body(), kind + " then " + method + ": the spoilt connection was not reused");
          send(s, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
          assertEquals("real:/after", read(in).body(), "after " + kind);
        }
      }
    }
    awaitNoneInflight();
  }

  @Test
  void strayBytesAfterAnAnswerNeverBecomeTheAnswerOfAPipelinedRequest() throws Exception {
    RawBackend talker = overTalker();
    startGateway(talker.port());
    try (Socket s = connect()) {
      InputStream in = s.getInputStream();
      // the second request waits in the gateway and goes out the moment the first answer is through
      send(s, "GET /stray-response HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n");
      assertEquals("real:/stray-response", read(in).body());
      Answer next = read(in);
      assertEquals("real:/next", next.body(), "the pipelined request got its own answer");
    }
    awaitNoneInflight();
  }

  @Test
  void strayBytesAfterAnAnswerNeverBecomeTheAnswerOfAQueuedRequest() throws Exception {
    RawBackend talker = overTalker();
    startGateway(config().withBackendPoolSize(1), new JsonObject(), talker.port());
    int loops = eventLoops();
    // more client connections than loops: on some loop a request waits for the connection the stray answer used
    int n = 2 * loops;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      for (int round = 0; round < 3; round++) {
        List<CompletableFuture<String>> replies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          String uri = "/stray-response/" + round + "/" + i;
          replies.add(CompletableFuture.supplyAsync(() -> {
            try {
              GatewayHarness.Reply r = h.get(uri);
              return r.status() + " " + r.body();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }, pool));
        }
        for (int i = 0; i < n; i++) {
          assertEquals("200 real:/stray-response/" + round + "/" + i, replies.get(i).get(20, TimeUnit.SECONDS));
        }
      }
    } finally {
      pool.shutdownNow();
    }
    awaitNoneInflight();
  }

  // ---- 7. request smuggling

  /** A backend answering `real:<uri>` to every request, each recorded with its framing headers. */
  private RawBackend recorder() throws IOException {
    return new RawBackend((b, in, out) -> {
      for (RawRequest r = b.read(in, true); r != null; r = b.read(in, true)) {
        out.write(bytes(ok("real:" + r.uri())));
        out.flush();
      }
    });
  }

  private static void assertWellFramed(RawRequest r) {
    boolean chunked = !r.all("Transfer-Encoding").isEmpty();
    List<String> lengths = r.all("Content-Length");
    assertFalse(chunked && !lengths.isEmpty(), "both Transfer-Encoding and Content-Length reached the backend");
    assertTrue(lengths.size() <= 1, "several Content-Length headers reached the backend: " + lengths);
  }

  @Test
  void contentLengthWithChunkedSmugglesNothing() throws Exception {
    RawBackend rec = recorder();
    startGateway(rec.port());
    String smuggled = "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
    try (Socket s = connect()) {
      send(s, "POST /cl-te HTTP/1.1\r\nHost: a\r\nContent-Length: " + smuggled.length()
          + "\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled);
      InputStream in = s.getInputStream();
      Answer a = read(in);
      assertTrue(a.status() == 400 || a.body().equals("real:/cl-te"), a.status() + " " + a.body());
      // RFC 9112 section 6.1: the connection closes after answering such a request
      assertClosed(in, "after a request with both Content-Length and Transfer-Encoding");
    }
    for (RawRequest r : rec.requests) {
      assertWellFramed(r);
    }
    assertTrue(rec.requests.stream().noneMatch(r -> r.uri().equals("/smuggled")), "a request was smuggled");
  }

  @Test
  void twoDifferentContentLengthsAre400AndReachNoBackend() throws Exception {
    RawBackend rec = recorder();
    startGateway(rec.port());
    try (Socket s = connect()) {
      send(s, "POST /cl-cl HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 38\r\n\r\n"
          + "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
      InputStream in = s.getInputStream();
      Answer a = read(in);
      assertEquals(400, a.status(), a.body());
      assertClosed(in, "after the 400");
    }
    assertEquals(List.of(), rec.requests.stream().map(RawRequest::uri).toList());
  }

  @Test
  void aConnectionHeaderNamingContentLengthCannotUnframeTheBody() throws Exception {
    RawBackend rec = recorder();
    startGateway(rec.port());
    String smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
    try (Socket s = connect()) {
      // Content-Length named as hop-by-hop: stripping it would leave the body to be read as a second request
      send(s, "POST /hop HTTP/1.1\r\nHost: a\r\nConnection: Content-Length\r\nContent-Length: " + smuggled.length()
          + "\r\n\r\n" + smuggled);
      InputStream in = s.getInputStream();
      Answer a = read(in);
      assertTrue(a.status() == 400 || a.body().equals("real:/hop"), a.status() + " " + a.body());
      send(s, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
      if (a.status() != 400) {
        assertEquals("real:/next", read(in).body());
      }
    }
    awaitNoneInflight();
    for (RawRequest r : rec.requests) {
      assertWellFramed(r);
    }
    assertTrue(rec.requests.stream().noneMatch(r -> r.uri().equals("/smuggled")),
        "a request was smuggled: " + rec.requests.stream().map(RawRequest::uri).toList());
    rec.requests.stream().filter(r -> r.uri().equals("/hop")).forEach(r -> assertEquals(smuggled, r.body8()));
  }

  @Test
  void aConnectionHeaderNamingTransferEncodingCannotUnframeTheBody() throws Exception {
    RawBackend rec = recorder();
    startGateway(rec.port());
    String smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
    String chunked = Integer.toHexString(smuggled.length()) + "\r\n" + smuggled + "\r\n0\r\n\r\n";
    try (Socket s = connect()) {
      send(s, "POST /hop-te HTTP/1.1\r\nHost: a\r\nConnection: Transfer-Encoding\r\nTransfer-Encoding: chunked"
          + "\r\n\r\n" + chunked);
      Answer a = read(s.getInputStream());
      assertTrue(a.status() == 400 || a.body().equals("real:/hop-te"), a.status() + " " + a.body());
    }
    awaitNoneInflight();
    for (RawRequest r : rec.requests) {
      assertWellFramed(r);
    }
    assertTrue(rec.requests.stream().noneMatch(r -> r.uri().equals("/smuggled")), "a request was smuggled");
    rec.requests.stream().filter(r -> r.uri().equals("/hop-te")).forEach(r -> assertEquals(smuggled, r.body8()));
  }

  // ---- 8. answers without a body

  @Test
  void headAnd204And304AnswersKeepTheFramingOnOneKeptAliveConnection() throws Exception {
    RawBackend bodiless = new RawBackend((b, in, out) -> {
      for (RawRequest r = b.read(in, true); r != null; r = b.read(in, true)) {
        String answer;
        if (r.method().equals("HEAD") && r.uri().startsWith("/chunked")) {
          answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        } else if (r.method().equals("HEAD")) {
          answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1234\r\n\r\n";
        } else if (r.uri().startsWith("/204")) {
          answer = "HTTP/1.1 204 No Content\r\nX-Kind: 204\r\n\r\n";
        } else if (r.uri().startsWith("/304")) {
          answer = "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 1234\r\n\r\n";
        } else {
          answer = ok("body:" + r.uri());
        }
        out.write(bytes(answer));
        out.flush();
      }
    });
    startGateway(bodiless.port());
    List<String> kinds = List.of("HEAD /h", "GET /204", "HEAD /chunked", "GET /304", "GET /plain");
    try (Socket s = connect()) {
      InputStream in = s.getInputStream();
      for (int round = 0; round < 8; round++) {
        for (String k : kinds) {
          String[] mu = k.split(" ");
          String extra = mu[1].equals("/304") ? "If-None-Match: \"v1\"\r\n" : "";
          send(s, mu[0] + " " + mu[1] + round + " HTTP/1.1\r\nHost: a\r\n" + extra + "\r\n");
          assertBodiless(k, round, read(in, !k.equals("GET /plain")));
        }
      }
      // and the same pipelined, in one write
      StringBuilder all = new StringBuilder();
      for (String k : kinds) {
        String[] mu = k.split(" ");
        all.append(mu[0]).append(' ').append(mu[1]).append("99 HTTP/1.1\r\nHost: a\r\n\r\n");
      }
      send(s, all.toString());
      for (String k : kinds) {
        assertBodiless(k, 99, read(in, !k.equals("GET /plain")));
      }
      // nothing more is on the wire: the next answer is the next request's
      send(s, "GET /plain-last HTTP/1.1\r\nHost: a\r\n\r\n");
      assertEquals("body:/plain-last", read(in).body());
    }
    // one connection carried the sequential requests; a pipelined request goes out as the answer before it
    // ends, while that connection is not yet back in the pool, and may open a second. Broken framing would
    // close a connection on almost every request.
    assertTrue(bodiless.connections.get() <= 2, "the backend connections' framing never broke: "
        + bodiless.connections.get() + " connections");
    awaitNoneInflight();
  }

  private static void assertBodiless(String kind, int round, Answer a) {
    switch (kind) {
      case "HEAD /h" -> {
        assertEquals(200, a.status());
        assertEquals("1234", a.headers().get("Content-Length"), "HEAD keeps the length of the GET it stands for");
      }
      case "GET /204" -> {
        assertEquals(204, a.status());
        assertEquals("204", a.headers().get("X-Kind"));
        assertTrue(!a.headers().containsKey("Transfer-Encoding"), "no framing on a 204: " + a.headers());
      }
      case "HEAD /chunked" -> assertEquals(200, a.status());
      case "GET /304" -> {
        assertEquals(304, a.status());
        assertTrue(!a.headers().containsKey("Transfer-Encoding"), "no framing added to a 304: " + a.headers());
      }
      default -> {
        assertEquals(200, a.status());
        assertEquals("body:/plain" + round, a.body());
      }
    }
    assertNotNull(a.headers());
  }
}
