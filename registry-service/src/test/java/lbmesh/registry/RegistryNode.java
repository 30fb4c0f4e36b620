package lbmesh.registry;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.testing.TestCluster;

/** A registry-service instance on an in-JVM cluster member, with a client for its API. */
final class RegistryNode {
  static final String TOKEN = "test-token-0123456789abcdef";

  final Vertx vertx;
  final RegistryVerticle verticle;
  final WebClient client;
  final ClusterSettings settings;

  private RegistryNode(Vertx vertx, RegistryVerticle verticle, ClusterSettings settings) {
    this.vertx = vertx;
    this.verticle = verticle;
    this.settings = settings;
    this.client = WebClient.create(vertx);
  }

  static RegistryNode start(TestCluster cluster, Path dataDir) throws Exception {
    ClusterSettings s = cluster.settings(Main.SERVICE, "dc1");
    Vertx v = cluster.start(s);
    RegistryVerticle verticle = new RegistryVerticle(new RegistryConfig("127.0.0.1", 0, TOKEN, dataDir), s);
    v.deployVerticle(verticle).await(30, TimeUnit.SECONDS);
    return new RegistryNode(v, verticle, s);
  }

  int port() {
    return verticle.port();
  }

  HttpResponse<Buffer> call(HttpMethod method, String path, Object body) throws Exception {
    return call(method, path, body, Map.of("Authorization", "Bearer " + TOKEN));
  }

  HttpResponse<Buffer> call(HttpMethod method, String path, Object body, Map<String, String> headers)
      throws Exception {
    var req = client.request(method, port(), "127.0.0.1", path);
    headers.forEach(req::putHeader);
    if (body == null) {
      return req.send().await(10, TimeUnit.SECONDS);
    }
    Buffer b = body instanceof Buffer buf ? buf : Buffer.buffer(body.toString());
    if (!headers.containsKey("Content-Type")) {
      req.putHeader("Content-Type", "application/json");
    }
    return req.sendBuffer(b).await(10, TimeUnit.SECONDS);
  }

  HttpResponse<Buffer> get(String path) throws Exception {
    return call(HttpMethod.GET, path, null, Map.of());
  }

  HttpResponse<Buffer> put(String path, JsonObject body) throws Exception {
    return call(HttpMethod.PUT, path, body);
  }

  HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return call(HttpMethod.POST, path, body);
  }
}
