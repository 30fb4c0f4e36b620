package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bodies far larger than the gateway could hold stream both ways with back-pressure. Client, gateway and
 * backend all run in this JVM (-Xmx1g) and all of them stream, so buffering in the gateway would show in the
 * heap; and a client (or backend) that stops reading must stop the other end from producing, which is the
 * direct proof that the gateway does not read ahead into memory.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamingTest {
  private static final long MIB = 1L << 20;
  private static final long DOWNLOAD = 1L << 30;
  private static final long UPLOAD = 512 * MIB;
  /**
   * Body of the stall tests: a gateway reading ahead would pull all of it while the reader is paused, twice what
   * may be in transit.
   */
  private static final long STALL_BODY = 128 * MIB;
  /** What may sit in sockets and queues between a paused reader and the producer. */
  private static final long IN_TRANSIT_LIMIT = 64 * MIB;
  private static final long HEAP_GROWTH_LIMIT = 128 * MIB;
  /**
   * Socket buffer of the test's own paused reader and of the producer behind it, so that what sits in transit is
   * mostly the gateway's (its sockets may autotune up to net.ipv4.tcp_rmem / tcp_wmem).
   */
  private static final int SMALL_SOCKET_BUFFER = 64 * 1024;
  /** One read-only chunk reused for every write: generating the body allocates nothing. */
  private static final Buffer CHUNK = Buffer.buffer(new byte[64 * 1024]);

  private final GatewayHarness h = new GatewayHarness();

  @BeforeEach
  void start() throws Exception {
    h.start();
  }

  @AfterEach
  void close() {
    h.close();
  }

  private RequestOptions to(HttpMethod method, String uri) {
    return new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(h.config.httpPort()).setURI(uri);
  }

  private void onlyServer(String id, int port) {
    h.pool(Pool.defaults(Pool.DEFAULT_POOL));
    h.server(Pool.DEFAULT_POOL, Server.fromJson(new JsonObject().put("id", id).put("host", "127.0.0.1")
        .put("port", port)));
    h.awaitTable();
  }

  private int gatewayInflight() {
    return h.gateway.state().stats().values().stream().mapToInt(s -> s.inflight()).sum();
  }

  @Test
  void oneGibDownloadIsStreamedToTheByte() throws Exception {
    DemoBackend backend = h.backend();
    h.defaultPool("round-robin", backend);
    h.awaitTable();
    AtomicLong received = new AtomicLong();
    AtomicInteger chunks = new AtomicInteger();
    long t0 = System.nanoTime();
    HeapWatch heap = new HeapWatch();
    String head;
    try (heap) {
      head = h.client.request(to(HttpMethod.GET, "/?size=" + DOWNLOAD)).compose(req -> req.send().compose(resp -> {
        resp.handler(b -> {
          received.addAndGet(b.length());
          chunks.incrementAndGet();
        });
        return resp.end().map(v -> resp.statusCode() + " " + resp.getHeader(HttpHeaders.CONTENT_LENGTH));
      })).await(45, TimeUnit.SECONDS);
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.printf("[StreamingTest] download 1 GiB in %d ms (%d MiB/s, %d chunks); %s%n", ms,
        DOWNLOAD / MIB * 1000 / Math.max(1, ms), chunks.get(), heap);
    assertEquals("200 " + DOWNLOAD, head, "status and Content-Length forwarded");
    assertEquals(DOWNLOAD, received.get(), "every byte arrived, no more");
    assertTrue(chunks.get() > 1000, "the body arrived as a stream of chunks: " + chunks.get());
    heap.assertBounded();
    Await.until(Duration.ofSeconds(5), "gateway in-flight back to 0", () -> gatewayInflight() == 0);
  }

  @Test
  void halfGibChunkedUploadIsStreamedToTheByte() throws Exception {
    DemoBackend backend = h.backend();
    h.defaultPool("round-robin", backend);
    h.awaitTable();
    long t0 = System.nanoTime();
    HeapWatch heap = new HeapWatch();
    AtomicLong sent = new AtomicLong();
    JsonObject answer;
    try (heap) {
      answer = h.client.request(to(HttpMethod.POST, "/upload")).compose(req -> {
        req.setChunked(true);
        Future<HttpClientResponse> response = req.response();
        new Producer(req, UPLOAD, sent).run();
        return response.compose(resp -> resp.body().map(b -> new JsonObject().put("status", resp.statusCode())
            .put("body", b.toJsonObject())));
      }).await(45, TimeUnit.SECONDS);
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.printf("[StreamingTest] upload 512 MiB in %d ms (%d MiB/s); %s%n", ms,
        UPLOAD / MIB * 1000 / Math.max(1, ms), heap);
    assertEquals(200, answer.getInteger("status"), answer.encode());
    assertEquals(UPLOAD, sent.get());
    assertEquals(UPLOAD, answer.getJsonObject("body").getLong("receivedBytes"), "the backend counted every byte");
    assertEquals("POST", answer.getJsonObject("body").getString("method"));
    assertEquals("chunked", answer.getJsonObject("body").getJsonObject("headers").getString("transfer-encoding"),
        "the upload went upstream chunked, as it came");
    heap.assertBounded();
  }

  /**
   * The client stops reading: the backend must stop producing once sockets and queues are full, instead of the
   * gateway reading the rest of the body into memory. Then the client resumes and gets every byte.
   */
  @Test
  void aPausedClientStopsTheBackend() throws Exception {
    AtomicLong written = new AtomicLong();
    HttpServer source = h.vertx.createHttpServer(new HttpServerOptions().setSendBufferSize(SMALL_SOCKET_BUFFER))
        .requestHandler(req -> {
          HttpServerResponse resp = req.response();
          resp.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(STALL_BODY));
          new Producer(resp, STALL_BODY, written).run();
        }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    onlyServer("source", source.actualPort());
    HttpClient slow = h.vertx.createHttpClient(new HttpClientOptions().setReceiveBufferSize(SMALL_SOCKET_BUFFER),
        new PoolOptions().setHttp1MaxSize(1));

    AtomicLong received = new AtomicLong();
    Promise<Runnable> paused = Promise.promise();
    HeapWatch heap = new HeapWatch();
    long stalledAt;
    Future<Void> done;
    try (heap) {
      done = slow.request(to(HttpMethod.GET, "/big")).compose(req -> req.send().compose(resp -> {
        resp.handler(b -> {
          if (received.addAndGet(b.length()) >= 8 * MIB && !paused.future().isComplete()) {
            resp.pause();
            Context ctx = Vertx.currentContext();
            paused.complete(() -> ctx.runOnContext(v -> resp.resume()));
          }
        });
        return resp.end();
      }));
      Runnable resume = paused.future().await(20, TimeUnit.SECONDS);
      long receivedWhenPaused = received.get();
      awaitStalled("the source to stop producing", written::get);
      stalledAt = written.get();
      System.out.printf("[StreamingTest] client paused at %d MiB: source stalled at %d MiB of %d MiB%n",
          receivedWhenPaused / MIB, stalledAt / MIB, STALL_BODY / MIB);
      assertTrue(stalledAt - receivedWhenPaused < IN_TRANSIT_LIMIT, "the gateway read ahead of a paused client: "
          + (stalledAt - receivedWhenPaused) / MIB + " MiB in transit");
      assertTrue(stalledAt < STALL_BODY, "the source was held back");
      resume.run();
      done.await(30, TimeUnit.SECONDS);
    }
    System.out.printf("[StreamingTest] paused download; %s%n", heap);
    assertEquals(STALL_BODY, received.get(), "after resuming, the rest arrived to the byte");
    assertEquals(STALL_BODY, written.get());
    heap.assertBounded();
  }

  /**
   * The backend stops reading an upload: the client must be held back (its write queue stays full) instead of
   * the gateway accepting the body into memory. Then the backend resumes and counts every byte.
   */
  @Test
  void aBackendThatStopsReadingStopsTheUploader() throws Exception {
    AtomicLong consumed = new AtomicLong();
    Promise<Runnable> arrived = Promise.promise();
    // no small socket buffers here: the sink reads nothing before the stall, so its receive window never grows,
    // and the client's send buffer is bounded by the kernel (net.ipv4.tcp_wmem, 4 MiB here)
    HttpServer sink = h.vertx.createHttpServer()
        .requestHandler(req -> {
          req.pause();
          req.handler(b -> consumed.addAndGet(b.length()));
          req.endHandler(v -> req.response().end(new JsonObject().put("receivedBytes", consumed.get()).encode()));
          Context ctx = Vertx.currentContext();
          arrived.complete(() -> ctx.runOnContext(v -> req.resume()));
        }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    onlyServer("sink", sink.actualPort());
    HttpClient uploader = h.vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(1));

    AtomicLong sent = new AtomicLong();
    HeapWatch heap = new HeapWatch();
    JsonObject answer;
    try (heap) {
      Future<JsonObject> done = uploader.request(to(HttpMethod.PUT, "/sink")).compose(req -> {
        req.setChunked(true);
        Future<HttpClientResponse> response = req.response();
        new Producer(req, STALL_BODY, sent).run();
        return response.compose(resp -> resp.body().map(Buffer::toJsonObject));
      });
      Runnable resumeSink = arrived.future().await(20, TimeUnit.SECONDS);
      awaitStalled("the uploader to be held back", sent::get);
      long stalledAt = sent.get();
      System.out.printf("[StreamingTest] backend not reading: uploader stalled at %d MiB of %d MiB%n",
          stalledAt / MIB, STALL_BODY / MIB);
      assertEquals(0, consumed.get());
      assertTrue(stalledAt < IN_TRANSIT_LIMIT, "the gateway accepted " + stalledAt / MIB
          + " MiB that the backend had not read");
      resumeSink.run();
      answer = done.await(30, TimeUnit.SECONDS);
    }
    System.out.printf("[StreamingTest] paused upload; %s%n", heap);
    assertEquals(STALL_BODY, answer.getLong("receivedBytes"));
    assertEquals(STALL_BODY, consumed.get());
    heap.assertBounded();
  }

  /** Waits until `counter` has not moved for half a second (it is blocked on back-pressure). */
  private static void awaitStalled(String what, LongSupplier counter) {
    long[] last = {-1, System.nanoTime()};
    Await.until(Duration.ofSeconds(15), what, () -> {
      long v = counter.getAsLong();
      long now = System.nanoTime();
      if (v != last[0]) {
        last[0] = v;
        last[1] = now;
        return false;
      }
      return now - last[1] > TimeUnit.MILLISECONDS.toNanos(500);
    });
  }

  /** Writes `total` bytes while the stream's write queue has room, resuming on drain, then ends it. */
  private static final class Producer implements Runnable {
    private final io.vertx.core.streams.WriteStream<Buffer> out;
    private final AtomicLong written;
    private long remaining;
    private boolean ended;

    Producer(io.vertx.core.streams.WriteStream<Buffer> out, long total, AtomicLong written) {
      this.out = out;
      this.remaining = total;
      this.written = written;
    }

    @Override
    public void run() {
      while (remaining > 0 && !out.writeQueueFull()) {
        int n = (int) Math.min(CHUNK.length(), remaining);
        out.write(n == CHUNK.length() ? CHUNK : CHUNK.slice(0, n));
        remaining -= n;
        written.addAndGet(n);
      }
      if (remaining > 0) {
        out.drainHandler(v -> run());
      } else if (!ended) {
        // a drain handler still set would fire once more after end() (Vert.x does not check), ending twice
        ended = true;
        out.drainHandler(null);
        out.end();
      }
    }
  }

  /**
   * Watches the heap while a stream runs: the used heap sampled every few milliseconds (garbage included, so
   * it swings by the young generation's size), and the heap left after each garbage collection during the
   * stream, which is what the stream actually retains. Also Java's direct buffer pool (Netty's socket I/O).
   */
  static final class HeapWatch implements AutoCloseable {
    private final MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    private final BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener;
    final long baseline;
    final long directBaseline;
    final AtomicLong maxUsed = new AtomicLong();
    final AtomicLong maxAfterGc = new AtomicLong();
    final AtomicLong maxDirect = new AtomicLong();
    final AtomicInteger gcs = new AtomicInteger();
    private final AtomicInteger samples = new AtomicInteger();
    private volatile boolean running = true;
    private final Thread sampler;

    HeapWatch() {
      mem.gc();
      baseline = mem.getHeapMemoryUsage().getUsed();
      directBaseline = direct.getMemoryUsed();
      maxUsed.set(baseline);
      maxAfterGc.set(baseline);
      maxDirect.set(directBaseline);
      listener = (n, hb) -> {
        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
          var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
          long after = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
              .filter(e -> heapPools.contains(e.getKey())).mapToLong(e -> e.getValue().getUsed()).sum();
          maxAfterGc.accumulateAndGet(after, Math::max);
          gcs.incrementAndGet();
        }
      };
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (gc instanceof NotificationEmitter e) {
          e.addNotificationListener(listener, null, null);
          emitters.add(e);
        }
      }
      sampler = new Thread(() -> {
        while (running) {
          maxUsed.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
          maxDirect.accumulateAndGet(direct.getMemoryUsed(), Math::max);
          samples.incrementAndGet();
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "heap-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }

    /** Growth of the heap the stream retained: after GCs if any ran, else every sample (garbage included). */
    long retainedGrowth() {
      return (gcs.get() > 0 ? maxAfterGc.get() : maxUsed.get()) - baseline;
    }

    void assertBounded() {
      assertTrue(retainedGrowth() < HEAP_GROWTH_LIMIT, "the heap grew while streaming: " + this);
      assertTrue(maxDirect.get() - directBaseline < HEAP_GROWTH_LIMIT, "direct memory grew while streaming: " + this);
    }

    @Override
    public void close() throws Exception {
      running = false;
      sampler.join();
      for (NotificationEmitter e : emitters) {
        e.removeNotificationListener(listener);
      }
    }

    @Override
    public String toString() {
      return String.format("heap: baseline %d MiB, sampled max %d MiB (+%d incl. garbage, %d samples), max after"
              + " GC %d MiB over %d GCs (retained growth %+d MiB); direct buffers %d -> max %d MiB",
          baseline / MIB, maxUsed.get() / MIB, (maxUsed.get() - baseline) / MIB, samples.get(),
          maxAfterGc.get() / MIB, gcs.get(), retainedGrowth() / MIB, directBaseline / MIB, maxDirect.get() / MIB);
    }
  }
}
