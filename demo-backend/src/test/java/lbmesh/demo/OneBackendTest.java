package lbmesh.demo;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** What most demo-backend tests start from: one backend with default options and a client for it. */
@ExtendWith(VertxExtension.class)
abstract class OneBackendTest {
  protected Vertx vertx;
  protected TestClient client;
  protected DemoBackend backend;

  @BeforeEach
  void startBackend(Vertx vertx) {
    this.vertx = vertx;
    client = new TestClient(vertx);
    backend = TestClient.await(DemoBackend.start(vertx, new DemoBackendOptions()));
  }

  @AfterEach
  void closeClient() {
    client.close();
  }
}
