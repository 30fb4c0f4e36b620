package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
