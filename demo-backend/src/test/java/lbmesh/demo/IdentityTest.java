package lbmesh.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class IdentityTest {

  private Vertx vertx;
  private TestClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.client = new TestClient(vertx);
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  @Test
  void answersWhoItIsOnAnyPath() {
    DemoBackend backend = TestClient.await(DemoBackend.start(vertx, new DemoBackendOptions()));
    String expectedId = "backend-" + backend.port();

    TestClient.Reply reply = client.get(backend.port(), "/some/path?a=1&b=two", "X-Test-Header", "hello");

    assertEquals(200, reply.status());
    assertEquals(expectedId, reply.headers().get("X-Backend-Id"));
    assertEquals("application/json", reply.headers().get("content-type"));
    JsonObject json = reply.json();
    assertEquals(expectedId, json.getString("id"));
    assertEquals(backend.port(), json.getInteger("port"));
    assertEquals("GET", json.getString("method"));
    assertEquals("/some/path", json.getString("path"));
    assertEquals("a=1&b=two", json.getString("query"));
    assertEquals("hello", json.getJsonObject("headers").getString("x-test-header"));
    assertFalse(json.containsKey("receivedBytes"), "a GET has no body to count");
  }

  @Test
  void usesTheConfiguredIdAndCanRunWithoutAgent() {
    DemoBackend backend = TestClient.await(DemoBackend.start(vertx,
        new DemoBackendOptions().setId("blue").setAgentPort(DemoBackendOptions.NO_AGENT)));

    TestClient.Reply reply = client.get(backend.port(), "/");

    assertEquals("blue", backend.id());
    assertEquals(-1, backend.agentPort());
    assertEquals("blue", reply.headers().get("X-Backend-Id"));
    assertEquals("blue", reply.json().getString("id"));
    assertEquals("", reply.json().getString("query"));
  }

  @Test
  void twoBackendsOnEphemeralPortsAreDistinct() {
    DemoBackend a = TestClient.await(DemoBackend.start(vertx, new DemoBackendOptions()));
    DemoBackend b = TestClient.await(DemoBackend.start(vertx, new DemoBackendOptions()));

    assertEquals(a.id(), client.get(a.port(), "/").json().getString("id"));
    assertEquals(b.id(), client.get(b.port(), "/").json().getString("id"));
    assertFalse(a.id().equals(b.id()));
  }
}
