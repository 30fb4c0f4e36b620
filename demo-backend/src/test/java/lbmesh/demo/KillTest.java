package lbmesh.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.Timeout;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class KillTest extends OneBackendTest {

  private static final long HUGE = 1L << 30;

  @Test
  void killBreaksAResponseMidStream() {
    AtomicLong received = new AtomicLong();
    Promise<Void> firstBytes = Promise.promise();
    Future<Void> body = client.http()
        .request(HttpMethod.GET, backend.port(), TestClient.HOST, "/?size=" + HUGE)
        .compose(req -> req.send().compose(resp -> {
          resp.handler(chunk -> {
            received.addAndGet(chunk.length());
            firstBytes.tryComplete();
          });
          return resp.end();
        }));
    TestClient.await(firstBytes.future());

    TestClient.await(backend.kill());

    assertNotNull(TestClient.failure(body), "the response must not end normally");
    assertTrue(received.get() < HUGE, "received " + received.get());
    client.until(() -> backend.stats().inFlight() == 0);
  }

  @Test
  void killBreaksAWaitingResponseAndStopsListening() {
    Future<TestClient.Reply> held = client.getAsync(backend.port(), "/?delay=60000");
    client.until(() -> backend.stats().inFlight() == 1);

    TestClient.await(backend.kill());

    assertNotNull(TestClient.failure(held), "a killed backend must not answer");
    assertTrue(connectFails(backend.port()), "HTTP port still open");
    assertTrue(connectFails(backend.agentPort()), "agent port still open");
    assertEquals(0, backend.stats().inFlight());
    TestClient.await(backend.close()); // a test's cleanup may close what it killed
  }

  @Test
  void dropConnectionsCutsTrafficButKeepsServing() {
    Future<TestClient.Reply> held = client.getAsync(backend.port(), "/?delay=60000");
    client.until(() -> backend.stats().inFlight() == 1);

    TestClient.await(backend.dropConnections());

    assertNotNull(TestClient.failure(held));
    assertEquals(200, client.get(backend.port(), "/").status());
    TestClient.await(backend.close());
    assertTrue(connectFails(backend.port()));
  }

  private boolean connectFails(int port) {
    return TestClient.await(vertx.createNetClient().connect(port, TestClient.HOST)
        .transform(ar -> {
          if (ar.succeeded()) {
            ar.result().close();
          }
          return Future.succeededFuture(ar.failed());
        }));
  }
}
