package lbmesh.gateway.failover;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;
import lbmesh.shared.failover.GatewayGroupSettings;
import lbmesh.shared.failover.GatewayMode;
import lbmesh.shared.failover.RoleAssignment;

/**
 * Opens and closes this gateway's traffic listener as its role says. In an active-active group the
 * listener is always open. In an active-passive group it opens only when the failover leader names this
 * gateway active, closes again if the leader moves the role elsewhere (preemption), and on every
 * promotion runs the optional promote hook (keepalived's notify script: typically it moves a virtual
 * IP). Decisions come already epoch-fenced from the FailoverFollower. Not thread-safe: call from the
 * gateway verticle's context.
 */
public final class TrafficRole {
  private static final Logger LOG = Logger.getLogger(TrafficRole.class.getName());
  /** A hook still running after this is killed. */
  static final long HOOK_TIMEOUT_SECONDS = 30;
  /** The role before an active-active gateway's listener is open. */
  static final String STARTING = "starting";

  private final Vertx vertx;
  private final GatewayGroupSettings group;
  private final String nodeId;
  private final String promoteHook;
  private final Supplier<Future<String>> open;
  private boolean wanted;
  private boolean busy;
  private String deployment;
  private volatile String role = STARTING;
  private volatile long promotedAt;
  private volatile long epoch;

  /**
   * @param open deploys the traffic listeners, giving the deployment id (undeploying closes them)
   * @param promoteHook a shell command run on promotion, or null
   */
  public TrafficRole(Vertx vertx, GatewayGroupSettings group, String nodeId, String promoteHook,
      Supplier<Future<String>> open) {
    this.vertx = vertx;
    this.group = group;
    this.nodeId = nodeId;
    this.promoteHook = promoteHook == null || promoteHook.isBlank() ? null : promoteHook;
    this.open = open;
  }

  /** Active-active: opens at once (the future completes when listening). Active-passive: waits for the leader. */
  public Future<Void> start() {
    if (group.mode() == GatewayMode.ACTIVE_ACTIVE) {
      wanted = true;
      busy = true;
      return open.get().map(id -> {
        deployment = id;
        role = RoleAssignment.ACTIVE;
        busy = false;
        converge();
        return null;
      });
    }
    role = RoleAssignment.PASSIVE;
    LOG.info(() -> "gateway " + nodeId + " is in active-passive group '" + group.group()
        + "': the traffic port stays closed until the failover leader makes it active");
    return Future.succeededFuture();
  }

  /** Applies the leader's decision for this gateway's group (null: none yet). */
  public void apply(RoleAssignment r) {
    if (r == null || group.mode() != GatewayMode.ACTIVE_PASSIVE || !group.group().equals(r.group())) {
      return;
    }
    epoch = r.epoch();
    boolean active = r.isActive(nodeId);
    if (active != wanted) {
      LOG.info(() -> "gateway " + nodeId + " of group '" + group.group() + "' becomes "
          + (active ? "active" : "passive") + " (leader epoch " + r.epoch() + ")");
    }
    wanted = active;
    converge();
  }

  private void converge() {
    if (busy) {
      return;
    }
    if (wanted && deployment == null) {
      busy = true;
      open.get().onComplete(ar -> {
        busy = false;
        if (ar.succeeded()) {
          deployment = ar.result();
          role = RoleAssignment.ACTIVE;
          promotedAt = System.currentTimeMillis();
          runHook();
        } else {
          LOG.severe(() -> "gateway " + nodeId + " could not open its traffic port on promotion: " + ar.cause());
        }
        converge();
      });
    } else if (!wanted && deployment != null) {
      busy = true;
      String id = deployment;
      vertx.undeploy(id).onComplete(ar -> {
        busy = false;
        deployment = null;
        role = RoleAssignment.PASSIVE;
        converge();
      });
    }
  }

  private record HookRun(int exit, String output) {
    String outputNote() {
      return output.isEmpty() ? "" : ", output: " + output;
    }
  }

  private void runHook() {
    if (promoteHook == null) {
      return;
    }
    vertx.executeBlocking(() -> {
      ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", promoteHook).redirectErrorStream(true);
      pb.environment().put("LB_ROLE", RoleAssignment.ACTIVE);
      pb.environment().put("LB_GATEWAY_GROUP", group.group());
      pb.environment().put("LB_NODE_ID", nodeId);
      pb.environment().put("LB_EPOCH", Long.toString(epoch));
      Process p = pb.start();
      StringBuilder out = new StringBuilder();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null && out.length() < 4096) {
          out.append(line).append('\n');
        }
      }
      if (!p.waitFor(HOOK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("still running after " + HOOK_TIMEOUT_SECONDS + " s, killed");
      }
      return new HookRun(p.exitValue(), out.toString().strip());
    }, false).onComplete(ar -> {
      if (ar.succeeded() && ar.result().exit() == 0) {
        LOG.info(() -> "LB_PROMOTE_HOOK exited 0" + ar.result().outputNote());
      } else {
        LOG.warning(() -> "LB_PROMOTE_HOOK failed (" + (ar.succeeded() ? "exit " + ar.result().exit()
            + ar.result().outputNote() : ar.cause()) + "): the gateway serves, but whatever the hook moves"
            + " (a virtual IP?) may still point elsewhere");
      }
    });
  }

  /** `active` or `passive` (what the listener does now, not what was last asked). */
  public String role() {
    return role;
  }

  public boolean listening() {
    return RoleAssignment.ACTIVE.equals(role);
  }

  /** Doing what its role asks: listening, or standing by as a passive gateway. */
  public boolean ready() {
    return !STARTING.equals(role);
  }

  public JsonObject toJson() {
    return new JsonObject().put("group", group.group()).put("mode", group.mode().wire()).put("role", role)
        .put("priority", group.priority()).put("preempt", group.preempt()).put("epoch", epoch)
        .put("promotedAt", promotedAt == 0 ? null : promotedAt);
  }
}
