package lbmesh.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.Timeout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class InflightTest extends OneBackendTest {

  @Test
  void maxInFlightSeesEveryConcurrentRequest() {
    int concurrency = 8;
    List<Future<TestClient.Reply>> replies = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      replies.add(client.getAsync(backend.port(), "/slow?delay=60000"));
    }
    // all are held by the delay, so all must be in flight together
    client.until(() -> backend.stats().inFlight() == concurrency);
    TestClient.await(backend.dropConnections());
    TestClient.await(Future.join(replies).otherwiseEmpty());

    BackendStats stats = backend.stats();
    assertEquals(concurrency, stats.maxInFlight());
    assertEquals(concurrency, stats.totalRequests());
    assertEquals(0, stats.inFlight(), "every cut connection released its request");
  }

  @Test
  void inFlightDropsBackToZeroWhenResponsesEnd() {
    List<Future<TestClient.Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      replies.add(client.getAsync(backend.port(), "/?delay=" + (50 * i)));
    }
    for (Future<TestClient.Reply> reply : replies) {
      assertEquals(200, TestClient.await(reply).status());
    }

    BackendStats stats = backend.stats();
    assertEquals(0, stats.inFlight(), "a response counts as done once it has ended");
    assertEquals(5, stats.totalRequests());
    assertEquals(5L, stats.methods().get("GET"));
    client.close();
    client.until(() -> backend.openConnections() == 0); // closed connections are forgotten
  }

  @Test
  void aClientThatHangsUpIsNoLongerInFlight() {
    HttpClientRequest request = TestClient.await(
        client.http().request(HttpMethod.GET, backend.port(), TestClient.HOST, "/?delay=60000"));
    request.send();
    client.until(() -> backend.stats().inFlight() == 1);

    request.reset(); // on HTTP/1.1 this closes the connection

    client.until(() -> backend.stats().inFlight() == 0);
  }

  @Test
  void resetStartsANewPeriodButKeepsWhatIsInFlight() {
    client.get(backend.port(), "/");
    Future<TestClient.Reply> held = client.getAsync(backend.port(), "/?delay=60000");
    client.until(() -> backend.stats().inFlight() == 1);

    backend.resetStats();

    BackendStats stats = backend.stats();
    assertEquals(0, stats.totalRequests());
    assertEquals(1, stats.inFlight());
    assertEquals(1, stats.maxInFlight(), "the held request is still the peak of the new period");
    TestClient.await(backend.dropConnections());
    TestClient.await(held.otherwiseEmpty());
  }
}
