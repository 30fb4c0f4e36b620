package lbmesh.health.check;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;

/** TCP check: the server accepts a connection within {@code timeoutMs}; the connection is closed at once. */
final class TcpProbe implements HealthProbe {
  private final Vertx vertx;
  private final NetClient client;

  TcpProbe(Vertx vertx) {
    this.vertx = vertx;
    this.client = vertx.createNetClient(new NetClientOptions());
  }

  @Override
  public Future<ProbeResult> probe(Server server, Pool.HealthCheck cfg) {
    long start = System.nanoTime();
    Promise<ProbeResult> result = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, cfg.timeoutMs()), t ->
        result.tryComplete(ProbeResult.failed(FailureReason.TIMEOUT, FailureReason.millisSince(start))));
    client.connect(new ConnectOptions()
            .setHost(server.host()).setPort(server.port()).setTimeout(cfg.timeoutMs()))
        .onSuccess(socket -> {
          socket.exceptionHandler(e -> { });
          socket.close();
          result.tryComplete(ProbeResult.passed("connected", FailureReason.millisSince(start)));
        })
        .onFailure(e -> result.tryComplete(ProbeResult.failed(FailureReason.of(e), FailureReason.millisSince(start))));
    return result.future().andThen(done -> vertx.cancelTimer(timer));
  }

  @Override
  public Future<Void> close() {
    return client.close();
  }
}
