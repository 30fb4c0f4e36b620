package lbmesh.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.Timeout;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BodyTest extends OneBackendTest {

  @Test
  void streamedRequestBodyIsCounted() {
    long size = 64L * 1024 * 1024 + 3;

    TestClient.Reply reply = client.upload(HttpMethod.PUT, backend.port(), "/upload", size);

    assertEquals(200, reply.status());
    assertEquals("PUT", reply.json().getString("method"));
    assertEquals(size, reply.json().getLong("receivedBytes"));
  }

  @Test
  void emptyPostReportsZeroBytes() {
    TestClient.Reply reply = client.send(HttpMethod.POST, backend.port(), "/form", null, Buffer.buffer());

    assertEquals(0L, reply.json().getLong("receivedBytes"));
  }

  @Test
  void echoStreamsTheBodyBackWithItsContentType() {
    byte[] bytes = new byte[3 * 1024 * 1024 + 17];
    new Random(42).nextBytes(bytes);

    TestClient.Reply reply = client.send(HttpMethod.POST, backend.port(), "/echo",
        "application/x-test", Buffer.buffer(bytes));

    assertEquals(200, reply.status());
    assertEquals("application/x-test", reply.headers().get("content-type"));
    assertEquals(backend.id(), reply.headers().get("X-Backend-Id"));
    assertEquals(Buffer.buffer(bytes), reply.body());
  }

  @Test
  void echoOfAChunkedBodyHonoursDelayAndStatus() {
    long start = System.nanoTime();
    TestClient.Reply reply = client.upload(HttpMethod.POST, backend.port(), "/echo?delay=200&status=201", 1_000_000);
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertEquals(201, reply.status());
    assertEquals(1_000_000, reply.body().length());
    assertTrue(elapsedMs >= 200, "answered after " + elapsedMs + " ms");
  }
}
