package lbmesh.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class WebSocketEchoTest {

  private TestClient client;
  private WebSocketClient wsClient;
  private DemoBackend backend;
  private WebSocket ws;

  @BeforeEach
  void setUp(Vertx vertx) {
    client = new TestClient(vertx);
    wsClient = vertx.createWebSocketClient();
    backend = TestClient.await(DemoBackend.start(vertx, new DemoBackendOptions()));
    ws = TestClient.await(wsClient.connect(backend.port(), TestClient.HOST, "/ws"));
  }

  @AfterEach
  void tearDown() {
    TestClient.await(wsClient.close());
    client.close();
  }

  @Test
  void echoesTextAndBinaryMessages() {
    assertEquals("hello", roundTripText(() -> ws.writeTextMessage("hello")));

    byte[] bytes = new byte[200_000]; // several frames: the echo goes frame by frame
    new Random(7).nextBytes(bytes);
    Promise<Buffer> binary = Promise.promise();
    ws.binaryMessageHandler(binary::tryComplete);
    ws.writeBinaryMessage(Buffer.buffer(bytes));
    assertEquals(Buffer.buffer(bytes), TestClient.await(binary.future()));
  }

  @Test
  void echoesFragmentedTextFrameByFrame() {
    String echoed = roundTripText(() -> {
      ws.writeFrame(WebSocketFrame.textFrame("frag", false));
      ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("mented"), true));
    });

    assertEquals("fragmented", echoed);
  }

  @Test
  void anOpenSessionCountsAsOneRequestInFlight() {
    roundTripText(() -> ws.writeTextMessage("ping")); // the server has surely accepted it now
    assertEquals(1, backend.stats().inFlight());
    assertEquals(1, backend.stats().totalRequests());

    TestClient.await(ws.close());
    client.until(() -> backend.stats().inFlight() == 0);
    client.until(() -> backend.openConnections() == 0);
  }

  @Test
  void dropConnectionsCutsOpenSessions() {
    roundTripText(() -> ws.writeTextMessage("ping"));
    Promise<Void> closed = Promise.promise();
    ws.closeHandler(v -> closed.tryComplete());

    TestClient.await(backend.dropConnections());

    TestClient.await(closed.future());
    client.until(() -> backend.stats().inFlight() == 0);
  }

  private String roundTripText(Runnable send) {
    Promise<String> text = Promise.promise();
    ws.textMessageHandler(text::tryComplete);
    send.run();
    return TestClient.await(text.future());
  }
}
