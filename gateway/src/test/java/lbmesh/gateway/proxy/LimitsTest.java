package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayConfig;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsTest {
  private static final int HEADER_BYTES = 4096;
  private static final int URI_BYTES = 2048;
  private static final int HEADER_TIMEOUT_MS = 500;
  /** Slack for a loaded 2-core machine: timers fire late, never early. */
  private static final int MARGIN_MS = 1500;

  private final GatewayHarness h = new GatewayHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private DemoBackend startWithSmallLimits() throws Exception {
    DemoBackend b = h.backend();
    h.start(GatewayConfig.forTest(GatewayHarness.freePort(), GatewayHarness.freePort()).withExposeServerHeader(true)
        .withLimits(HEADER_BYTES, URI_BYTES, HEADER_TIMEOUT_MS));
    h.defaultPool("round-robin", b);
    h.awaitTable();
    return b;
  }

  private static String repeat(char c, int n) {
    return String.valueOf(c).repeat(n);
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      head.append((char) c);
    }
    return head.toString();
  }

  /**
   * The gateway closes a connection after a 431 or 414: every request here says "Connection: close", so the client
   * never picks a pooled connection the gateway is about to close.
   */
  private GatewayHarness.Reply fresh(String uri, Map<String, String> headers) throws Exception {
    Map<String, String> all = new java.util.HashMap<>(headers);
    all.put("Connection", "close");
    return h.request(HttpMethod.GET, uri, null, all);
  }

  @Test
  void headersOverTheLimitGive431() throws Exception {
    DemoBackend b = startWithSmallLimits();
    String under = repeat('a', HEADER_BYTES - 1000);
    var ok = fresh("/", Map.of("X-Big", under));
    assertEquals(200, ok.status(), "headers under the limit pass");
    assertEquals(under, ok.json().getJsonObject("headers").getString("x-big"), "and reach the backend intact");

    var tooBig = fresh("/", Map.of("X-Big", repeat('a', HEADER_BYTES + 1000)));
    assertEquals(431, tooBig.status());

    Map<String, String> many = new java.util.HashMap<>();
    for (int i = 0; i < 100; i++) {
      many.put("X-H" + i, repeat('v', 60));
    }
    assertEquals(431, fresh("/", many).status(), "many small headers count together");
    assertEquals(1, b.stats().totalRequests(), "no oversized request reached the backend");
  }

  @Test
  void aRequestLineOverTheLimitGives414() throws Exception {
    DemoBackend b = startWithSmallLimits();
    String path = "/" + repeat('p', URI_BYTES - 100);
    var ok = fresh(path + "?q=1", Map.of());
    assertEquals(200, ok.status(), "a request line under the limit passes");
    assertEquals(path, ok.json().getString("path"));

    assertEquals(414, fresh("/" + repeat('p', URI_BYTES + 100), Map.of()).status());
    assertEquals(414, fresh("/?q=" + repeat('q', URI_BYTES + 100), Map.of()).status(), "the query counts too");
    assertEquals(1, b.stats().totalRequests(), "no overlong request reached the backend");
  }

  /** Reads until the server closes (-1 or a reset); returns when that happened, or fails at `deadlineMs`. */
  private static long awaitDisconnect(Socket s, long startNanos, long deadlineMs) throws IOException {
    InputStream in = s.getInputStream();
    byte[] buf = new byte[1024];
    while (true) {
      long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
      if (elapsed > deadlineMs) {
        throw new AssertionError("the connection was still open after " + elapsed + " ms");
      }
      s.setSoTimeout((int) Math.max(1, deadlineMs - elapsed));
      try {
        if (in.read(buf) < 0) {
          return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        }
      } catch (SocketTimeoutException e) {
        // loop: the deadline check fails the test
      } catch (IOException e) { // reset by the gateway
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
      }
    }
  }

  @Test
  void aSlowlorisClientIsCutAtTheHeaderTimeoutButAKeptAliveConnectionIsNot() throws Exception {
    DemoBackend b = startWithSmallLimits();
    try (Socket keptAlive = new Socket("127.0.0.1", h.config.httpPort())) {
      // a well-behaved client whose first request is done: the header timer no longer applies to it
      OutputStream ka = keptAlive.getOutputStream();
      ka.write("GET /first HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      ka.flush();
      keptAlive.setSoTimeout(10_000);
      InputStream in = keptAlive.getInputStream();
      String first = readHead(in);
      assertTrue(first.startsWith("HTTP/1.1 200"), first);
      in.readNBytes(contentLength(first)); // its body, so the connection is clean for the next request

      long t0 = System.nanoTime(); // before connecting: the gateway's timer starts at accept
      long cutAfter;
      try (Socket loris = new Socket("127.0.0.1", h.config.httpPort())) {
        loris.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
        loris.getOutputStream().flush();
        cutAfter = awaitDisconnect(loris, t0, HEADER_TIMEOUT_MS + MARGIN_MS);
      }
      System.out.println("[LimitsTest] slowloris cut after " + cutAfter + " ms (header timeout " + HEADER_TIMEOUT_MS
          + " ms)");
      assertTrue(cutAfter >= HEADER_TIMEOUT_MS - 20, "cut by the header timer, not at once: " + cutAfter + " ms");

      // as much time has passed for the kept-alive connection, which must still work
      ka.write("GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      ka.flush();
      String second = readHead(in);
      assertTrue(second.startsWith("HTTP/1.1 200"), "a kept-alive connection is not cut by the header timer: "
          + second);
    }
    assertEquals(2, b.stats().totalRequests(), "the slowloris request never reached the backend");
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    throw new AssertionError("no Content-Length in " + head);
  }

  /** Trickling a header line now and then defeats an idle timeout, but not a deadline on the whole head. */
  @Test
  void aClientTricklingItsHeadersIsCutToo() throws Exception {
    DemoBackend b = startWithSmallLimits();
    Promise<Long> closed = Promise.promise();
    long t0 = System.nanoTime(); // before connecting: the gateway's timer starts at accept
    NetSocket sock = h.vertx.createNetClient().connect(h.config.httpPort(), "127.0.0.1").await(5, TimeUnit.SECONDS);
    sock.closeHandler(v -> closed.tryComplete(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));
    sock.exceptionHandler(e -> { });
    sock.write("GET / HTTP/1.1\r\nHost: x\r\n");
    int[] n = {0};
    long timer = h.vertx.setPeriodic(50, id -> sock.write("X-" + n[0]++ + ": y\r\n"));
    try {
      long cutAfter = closed.future().await(HEADER_TIMEOUT_MS + MARGIN_MS, TimeUnit.MILLISECONDS);
      System.out.println("[LimitsTest] trickling client cut after " + cutAfter + " ms, " + n[0] + " header lines");
      assertTrue(cutAfter >= HEADER_TIMEOUT_MS - 20, "cut by the header timer: " + cutAfter + " ms");
      assertTrue(n[0] >= 5, "it kept sending: " + n[0]);
    } finally {
      h.vertx.cancelTimer(timer);
    }
    assertEquals(0, b.stats().totalRequests());
  }

  private Server limited(DemoBackend b, int maxConnections) {
    return Server.fromJson(new JsonObject().put("id", b.id()).put("host", "127.0.0.1").put("port", b.port())
        .put("maxConnections", maxConnections));
  }

  private record Outcome(int status, String retryAfter, long millis) {
  }

  /** Sends `n` requests at once and waits for all the answers. */
  private List<Outcome> concurrently(int n, String uri) throws Exception {
    List<Future<Outcome>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      all.add(h.client.request(new RequestOptions().setHost("127.0.0.1").setPort(h.config.httpPort()).setURI(uri))
          .compose(req -> req.send().compose(resp -> resp.body().map(body -> new Outcome(resp.statusCode(),
              resp.getHeader("Retry-After"), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))))));
    }
    Future.join(all).await(30, TimeUnit.SECONDS);
    return all.stream().map(Future::result).toList();
  }

  @Test
  void aFullServerIsNotSentMoreThanItsMaxConnections() throws Exception {
    DemoBackend b = h.backend();
    h.start();
    h.pool(Pool.fromJson(Pool.defaults(Pool.DEFAULT_POOL).toJson().put("algorithm", "round-robin")));
    h.server(Pool.DEFAULT_POOL, limited(b, 2));
    h.awaitTable();

    List<Outcome> out = concurrently(6, "/?delay=1500");
    System.out.println("[LimitsTest] one server, maxConnections 2, 6 requests: " + out);
    assertTrue(b.stats().maxInFlight() <= 2, "the backend saw " + b.stats().maxInFlight() + " at once");
    List<Outcome> served = out.stream().filter(o -> o.status() == 200).toList();
    List<Outcome> refused = out.stream().filter(o -> o.status() == 503).toList();
    assertEquals(2, served.size(), "two fit: " + out);
    assertEquals(4, refused.size(), "the others found it full: " + out);
    for (Outcome o : refused) {
      assertEquals("1", o.retryAfter());
      assertTrue(o.millis() < 1500, "refused at once rather than queued: " + o);
    }
    assertEquals(2, b.stats().totalRequests());
    Await.until(Duration.ofSeconds(5), "slots released", () -> h.gateway.state().stats().values().stream()
        .allMatch(s -> s.inflight() == 0));
    assertEquals(200, h.get("/").status(), "room again once the slow ones are done");
  }

  @Test
  void twoServersOfMaxConnectionsTwoTakeFourSlowRequestsAtOnce() throws Exception {
    DemoBackend a = h.backend();
    DemoBackend b = h.backend();
    h.start();
    h.pool(Pool.fromJson(Pool.defaults(Pool.DEFAULT_POOL).toJson().put("algorithm", "round-robin")));
    h.server(Pool.DEFAULT_POOL, limited(a, 2));
    h.server(Pool.DEFAULT_POOL, limited(b, 2));
    h.awaitTable();

    List<Outcome> out = concurrently(4, "/?delay=1500");
    System.out.println("[LimitsTest] two servers, maxConnections 2 each, 4 requests: " + out);
    assertTrue(out.stream().allMatch(o -> o.status() == 200), out.toString());
    assertTrue(a.stats().maxInFlight() <= 2, a.id() + " saw " + a.stats().maxInFlight());
    assertTrue(b.stats().maxInFlight() <= 2, b.id() + " saw " + b.stats().maxInFlight());
    assertEquals(4, a.stats().totalRequests() + b.stats().totalRequests());
  }
}
