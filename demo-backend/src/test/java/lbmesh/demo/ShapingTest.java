package lbmesh.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.Timeout;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ShapingTest extends OneBackendTest {

  @Test
  void delayHoldsTheAnswerBack() {
    long start = System.nanoTime();
    TestClient.Reply reply = client.get(backend.port(), "/slow?delay=300");
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertEquals(200, reply.status());
    assertTrue(elapsedMs >= 300, "answered after " + elapsedMs + " ms");
    assertEquals("delay=300", reply.json().getString("query"));
  }

  @Test
  void statusIsAnsweredAsAsked() {
    TestClient.Reply unavailable = client.get(backend.port(), "/?status=503");
    assertEquals(503, unavailable.status());
    assertEquals(backend.id(), unavailable.json().getString("id"), "the identity body still comes");

    assertEquals(418, client.get(backend.port(), "/?status=418").status());

    TestClient.Reply noContent = client.get(backend.port(), "/?status=204");
    assertEquals(204, noContent.status());
    assertEquals(0, noContent.body().length(), "204 must not carry a body");
  }

  @Test
  void sizeGivesExactlyThatManyBytes() {
    for (long size : List.of(0L, 1L, 65_535L, 65_536L, 65_537L, 1_000_000L)) {
      TestClient.Reply reply = client.get(backend.port(), "/blob?size=" + size);
      assertEquals(200, reply.status());
      assertEquals("application/octet-stream", reply.headers().get("content-type"));
      assertEquals(String.valueOf(size), reply.headers().get("content-length"));
      assertEquals(size, reply.body().length(), "size=" + size);
    }
    assertEquals(500, client.get(backend.port(), "/?size=10&status=500").status());
  }

  @Test
  void largeSizeStreamsToTheLastByte() {
    long size = 256L * 1024 * 1024;
    long received = TestClient.await(client.http()
        .request(HttpMethod.GET, backend.port(), TestClient.HOST, "/big?size=" + size)
        .compose(req -> req.send().compose(resp -> {
          long[] count = {0};
          resp.handler(chunk -> count[0] += chunk.length()); // counted, never kept
          return resp.end().map(v -> count[0]);
        })));

    assertEquals(size, received);
    assertEquals(0, backend.stats().inFlight());
  }

  @Test
  void badParametersAreRejectedWith400() {
    List<String> bad = List.of("delay=-1", "delay=60001", "delay=soon", "status=199", "status=600",
        "status=ok", "size=-1", "size=big", "size=1.5", "delay=%zz");
    for (String query : bad) {
      TestClient.Reply reply = client.get(backend.port(), "/?" + query);
      assertEquals(400, reply.status(), query);
      assertTrue(reply.json().getString("error").length() > 0, query);
      assertEquals(backend.id(), reply.headers().get("X-Backend-Id"));
    }
    assertEquals(200, client.get(backend.port(), "/?delay=0&status=200&size=0").status());
  }
}
