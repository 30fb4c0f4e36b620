package lbmesh.shared.launch;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.function.Consumer;
import java.util.function.Supplier;
import lbmesh.shared.cluster.ClusterBootstrap;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.cluster.MemberInfo;

/** Starts a service's admin HTTP listener: the common {@link AdminEndpoints} plus {@code /status}. */
public final class AdminServer {
  private AdminServer() {
  }

  /**
   * Listens on `host:port` with health, metrics and a `/status` built by `status`; `extra` may add routes
   * and readiness procedures before the listener opens.
   */
  public static Future<HttpServer> start(Vertx vertx, String host, int port, Supplier<JsonObject> status,
      Consumer<AdminEndpoints> extra) {
    Router router = Router.router(vertx);
    AdminEndpoints admin = new AdminEndpoints(vertx);
    extra.accept(admin);
    admin.mount(router);
    router.get("/status").handler(ctx -> ctx.json(status.get()));
    return vertx.createHttpServer().requestHandler(router).listen(port, host);
  }

  /** The `/status` every service has: who it is and the cluster it sees. */
  public static JsonObject baseStatus(Vertx vertx, ClusterSettings s) {
    JsonObject j = new JsonObject().put("service", s.service()).put("nodeId", s.nodeId()).put("dc", s.dc())
        .put("pid", ProcessHandle.current().pid());
    if (vertx.isClustered()) {
      var members = new io.vertx.core.json.JsonArray();
      ClusterBootstrap.hazelcast(vertx).getCluster().getMembers()
          .forEach(m -> members.add(MemberInfo.of(m).toJson()));
      j.put("members", members);
      j.put("failureDetection", ClusterBootstrap.failureDetection(vertx));
    }
    return j;
  }
}
