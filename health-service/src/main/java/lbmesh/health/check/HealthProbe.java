package lbmesh.health.check;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;

/** One active check of one server; the future always succeeds, carrying a passed, failed or uncounted result. */
public interface HealthProbe {

  /** Checks the server once, within {@code cfg.timeoutMs()}. */
  Future<ProbeResult> probe(Server server, Pool.HealthCheck cfg);

  /** Releases the probe's clients. */
  Future<Void> close();

  /**
   * The probe for a health-check type: {@code http}, {@code tcp} or {@code agent}. Type {@code none} has
   * no probe (its servers are simply up), so it is rejected here like any unknown type.
   */
  static HealthProbe create(Vertx vertx, String type) {
    return switch (type) {
      case "http" -> new HttpProbe(vertx);
      case "tcp" -> new TcpProbe(vertx);
      case "agent" -> new AgentProbe(vertx);
      default -> throw new IllegalArgumentException("no probe for health-check type '" + type + "'");
    };
  }
}
