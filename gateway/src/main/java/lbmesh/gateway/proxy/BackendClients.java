package lbmesh.gateway.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lbmesh.shared.model.Pool;

/**
 * One event loop's keep-alive connection pools towards the backends, and the deadlines of its attempts.
 *
 * <p>Connect and idle timeouts are set on the client (Netty's connect timeout and the connection's idle
 * handler, both per connection) rather than on each request, where Vert.x arms and cancels a timer per
 * request. Pools with different timeouts therefore get different clients; a mesh has few distinct pairs.
 */
final class BackendClients {
  private record Key(int connectMs, int idleMs) {
  }

  private final Vertx vertx;
  private final int poolSize;
  private final Map<Key, HttpClient> clients = new HashMap<>();
  private final Deadlines deadlines = new Deadlines();

  BackendClients(Vertx vertx, int poolSize) {
    this.vertx = vertx;
    this.poolSize = poolSize;
  }

  HttpClient client(Pool.Timeouts t) {
    return clients.computeIfAbsent(new Key(t.connectMs(), t.idleMs()), k -> vertx.createHttpClient(
        new HttpClientOptions()
            .setKeepAlive(true)
            .setKeepAliveTimeout(30)
            .setTcpNoDelay(true)
            .setConnectTimeout(k.connectMs())
            .setIdleTimeout(k.idleMs())
            .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
            .setMaxHeaderSize(64 * 1024)
            .setMaxInitialLineLength(16 * 1024),
        new PoolOptions().setHttp1MaxSize(poolSize).setMaxWaitQueueSize(-1)));
  }

  Deadlines deadlines() {
    return deadlines;
  }
}
