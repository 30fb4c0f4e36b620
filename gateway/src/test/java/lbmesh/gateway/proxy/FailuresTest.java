package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FailuresTest {
  private final GatewayHarness h = new GatewayHarness();
  private final List<Event> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    h.close();
  }

  private void recordEvents() {
    h.vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> events.add(Event.fromJson(m.body())));
  }

  @Test
  void backendKilledUnderLoadCostsNoFailedGetAndIsEjected() throws Exception {
    recordEvents();
    DemoBackend a = h.backend();
    DemoBackend b = h.backend();
    DemoBackend victim = h.backend();
    h.start();
    h.defaultPool("round-robin", a, b, victim);
    h.awaitTable();

    AtomicInteger ok = new AtomicInteger();
    List<String> failures = new CopyOnWriteArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < 24; w++) {
      Thread t = new Thread(() -> {
        while (System.nanoTime() < deadline) {
          try {
            var r = h.get("/?delay=100");
            if (r.status() == 200) {
              ok.incrementAndGet();
            } else {
              failures.add(r.status() + " " + r.body());
            }
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
      });
      t.start();
      workers.add(t);
    }
    Await.until(Duration.ofSeconds(5), "traffic on the victim", () -> victim.stats().totalRequests() > 20);
    long servedBefore = victim.stats().totalRequests();
    victim.kill().await(5, TimeUnit.SECONDS);
    for (Thread t : workers) {
      t.join();
    }
    assertTrue(servedBefore > 0);
    assertEquals(List.of(), failures, "every GET succeeded through retries");
    assertTrue(ok.get() > 100, "load actually ran: " + ok.get());
    Await.until(Duration.ofSeconds(5), "outlier.ejected for the victim", () -> events.stream()
        .anyMatch(e -> e.type().equals("outlier.ejected") && victim.id().equals(e.data().getString("server"))));
    JsonObject status = h.gateway.state().table().pools().get("default").all().stream()
        .filter(s -> s.id().equals(victim.id())).findFirst().map(s -> new JsonObject()
            .put("ejected", s.stats().isEjected(System.currentTimeMillis()))).orElseThrow();
    assertTrue(status.getBoolean("ejected"));
  }

  /** A backend that reads a whole request body and then drops the connection without answering. */
  private HttpServer dropper(AtomicInteger bodies) throws Exception {
    return h.vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      if (b.length() > 0) {
        bodies.incrementAndGet();
      }
      req.connection().close();
    })).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
  }

  @Test
  void postIsNotReplayedOnceItsBodyWentOutButGetIsRetried() throws Exception {
    AtomicInteger dropped = new AtomicInteger();
    HttpServer drop = dropper(dropped);
    DemoBackend good = h.backend();
    h.start();
    h.pool(Pool.fromJson(Pool.defaults("default").toJson().put("algorithm", "round-robin")
        .put("outlier", new JsonObject().put("consecutiveFailures", 0))));
    h.server("default", Server.fromJson(new JsonObject().put("id", "dropper").put("host", "127.0.0.1")
        .put("port", drop.actualPort())));
    h.server("default", GatewayHarness.server(good, 1));
    h.awaitTable();

    int posts = 10;
    int bad = 0;
    for (int i = 0; i < posts; i++) {
      var r = h.request(HttpMethod.POST, "/orders", Buffer.buffer("{\"order\":" + i + "}"),
          Map.of("Content-Type", "application/json"));
      if (r.status() == 502) {
        bad++;
        assertEquals("application/problem+json", r.header("Content-Type"));
      } else {
        assertEquals(200, r.status());
      }
    }
    assertTrue(bad > 0, "some POSTs reached the dropping server");
    assertEquals(bad, dropped.get(), "each 502 is a POST whose body reached the dropping server");
    assertEquals(posts - bad, good.stats().totalRequests(), "no POST was replayed on the good server");

    good.resetStats();
    for (int i = 0; i < 10; i++) {
      assertEquals(200, h.get("/items").status(), "an idempotent GET is retried on the other server");
    }
    assertEquals(10, good.stats().totalRequests());
  }

  /**
   * Servers that die together (a whole DC) leave this gateway's pooled connections to each of them looking
   * alive; a GET written on one is lost without an answer. Three of them in a row would use up the pool's
   * two retries before the GET reached the live server; a lost pooled connection reached no live server
   * and costs no retry, as a refused connect.
   */
  @Test
  void aGetLostOnThePooledConnectionsOfServersThatDiedTogetherStillReachesALiveOne() throws Exception {
    AtomicBoolean dead = new AtomicBoolean();
    AtomicInteger lost = new AtomicInteger();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      HttpServer dying = h.vertx.createHttpServer().requestHandler(req -> {
        if (dead.get()) {
          lost.incrementAndGet();
          req.connection().close();
        } else {
          req.response().end("ok");
        }
      }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
      ports.add(dying.actualPort());
    }
    DemoBackend live = h.backend();
    h.start();
    h.pool(Pool.fromJson(Pool.defaults("default").toJson().put("algorithm", "round-robin")));
    for (int i = 0; i < 3; i++) {
      h.server("default", Server.fromJson(new JsonObject().put("id", "dying-" + i).put("host", "127.0.0.1")
          .put("port", ports.get(i))));
    }
    h.server("default", GatewayHarness.server(live, 1));
    h.awaitTable();
    // one client connection, so one event loop of the gateway and its pools; round robin until the live
    // server answered last, each dying one having answered on a connection that is now pooled
    HttpClient one = h.vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(1));
    java.util.Set<String> answered = new java.util.HashSet<>();
    String last = null;
    for (int i = 0; i < 12 && (answered.size() < 4 || !live.id().equals(last)); i++) {
      last = get(one, "/warm").headers().get("X-LB-Server");
      answered.add(last);
    }
    assertEquals(live.id(), last, "warmed up: " + answered);
    dead.set(true);
    HttpClientResponse r = get(one, "/after");
    assertEquals(200, r.statusCode(), "the GET went on to the live server");
    assertEquals(live.id(), r.headers().get("X-LB-Server"));
    assertEquals(3, lost.get(), "it was lost on each dying server's pooled connection first");
  }

  private HttpClientResponse get(HttpClient c, String uri) throws Exception {
    return c.request(HttpMethod.GET, h.config.httpPort(), "127.0.0.1", uri).compose(req -> req.send()
        .compose(resp -> resp.body().map(b -> resp))).await(10, TimeUnit.SECONDS);
  }

  @Test
  void slowBackendGives504AndADeadPoolGives502() throws Exception {
    DemoBackend slow = h.backend();
    h.start();
    h.pool(Pool.fromJson(Pool.defaults("default").toJson()
        .put("timeouts", new JsonObject().put("responseHeaderMs", 300))));
    h.server("default", GatewayHarness.server(slow, 1));
    h.awaitTable();
    long t0 = System.nanoTime();
    var r = h.get("/?delay=3000");
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals(504, r.status());
    assertEquals("application/problem+json", r.header("Content-Type"));
    assertTrue(ms < 2500, "answered at the timeout, not after the backend: " + ms + " ms");

    slow.close().await(5, TimeUnit.SECONDS);
    var dead = h.get("/");
    assertEquals(502, dead.status());
    assertTrue(dead.json().getString("detail").contains(slow.id()));
    Future.succeededFuture();
  }
}
