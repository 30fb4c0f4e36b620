package lbmesh.registry.view;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import lbmesh.shared.cluster.MemberInfo;
import lbmesh.shared.cluster.MemberRole;
import lbmesh.shared.failover.FailoverFollower;
import lbmesh.shared.failover.FailoverMap;
import lbmesh.shared.failover.GatewayMember;
import lbmesh.shared.failover.GatewayMode;
import lbmesh.shared.failover.RoleAssignment;
import lbmesh.shared.health.EffectiveWeight;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.inflight.InflightReport;
import lbmesh.shared.model.RegistrySnapshot;
import lbmesh.shared.model.Server;

/**
 * {@code GET /api/v1/cluster}: the live view of DESIGN.md. Parts nobody has decided yet (no failover
 * leader known, no health verdict) say "unknown" or are absent; they are never invented. Leader, epoch
 * and gateway roles come from the failover leader's decisions, older epochs dropped.
 */
public final class ClusterView {
  static final String UNKNOWN = "unknown";

  private ClusterView() {
  }

  /**
   * Reads nothing remote (the member list is local): a read of an IMap here would wait for partitions
   * still recovering from a member that just died, and hold the whole view back (the new failover leader
   * included). `health` is the local copy of lb.health; `state` the registry state as last known.
   * `inflight` gives each server's `{"inflight": {total, byGateway}, "rps"}` from the gateways' reports
   * (null: not shown; rps null until a gateway has sent two full reports);
   * `failover` the failover leader's decisions as this registry follows them.
   */
  public static JsonObject build(HazelcastInstance hz, RegistrySnapshot state, HealthMirror health,
      java.util.function.Function<String, JsonObject> inflight, FailoverFollower failover) {
    FailoverFollower.Leader leader = failover.leader();
    Map<String, RoleAssignment> roles = failover.roles();
    List<Member> members = hz.getCluster().getMembers().stream()
        .sorted(Comparator.comparing((Member x) -> MemberInfo.of(x).service())
            .thenComparing(x -> MemberInfo.of(x).nodeId())).toList();
    JsonArray m = new JsonArray();
    JsonArray gateways = new JsonArray();
    for (Member member : members) {
      MemberInfo info = MemberInfo.of(member);
      GatewayMember gw = GatewayMember.of(member);
      String role = UNKNOWN;
      if (info.role() == MemberRole.WITNESS) {
        role = MemberRole.WITNESS.wire();
      } else if (FailoverMap.SERVICE.equals(info.service()) && leader != null) {
        role = leader.nodeId().equals(info.nodeId()) ? "leader" : "follower";
      } else if (gw != null) {
        role = gatewayRole(gw, roles.get(gw.group()));
        gateways.add(new JsonObject().put("nodeId", info.nodeId()).put("group", gw.group())
            .put("mode", gw.settings().mode().wire()).put("role", role).put("dc", info.dc())
            .put("priority", gw.settings().priority()));
      }
      m.add(info.toJson().put("role", role));
    }
    long now = System.currentTimeMillis();
    JsonArray pools = new JsonArray();
    state.pools().values().forEach(e -> {
      JsonArray servers = new JsonArray();
      for (Server s : e.servers().values()) {
        HealthRecord h = health.get(HealthRecord.key(e.pool().name(), s.id()));
        JsonObject live = inflight.apply(InflightReport.key(e.pool().name(), s.id()));
        double effective = EffectiveWeight.of(s, h, e.pool().slowStartSeconds(), now);
        servers.add(new JsonObject().put("id", s.id()).put("host", s.host()).put("port", s.port()).put("dc", s.dc())
            .put("state", s.state().wire()).put("weight", s.weight())
            .put("health", h == null ? UNKNOWN : h.status())
            .put("effectiveWeight", s.state() == Server.State.READY ? Math.round(effective * 100) / 100.0 : 0)
            // the limit the gateways enforce: the registry's, or the agent's maxconn:N when lower (0: none)
            .put("maxConnections", HealthRecord.maxConnectionsInForce(s.maxConnections(), h))
            .put("inflight", live == null ? null : live.getValue("inflight"))
            .put("rps", live == null ? null : live.getValue("rps")));
      }
      pools.add(new JsonObject().put("name", e.pool().name()).put("algorithm", e.pool().algorithm())
          .put("servers", servers));
    });
    JsonObject view = new JsonObject();
    if (leader != null) {
      // a leader that died with no successor yet (no quorum) is not shown as leading
      boolean alive = members.stream().anyMatch(x -> leader.nodeId().equals(MemberInfo.of(x).nodeId()));
      if (alive) {
        view.put("leader", leader.toJson());
      }
      view.put("epoch", failover.epoch());
    }
    return view
        .put("registryVersion", state.version())
        .put("members", m)
        .put("gateways", gateways)
        .put("pools", pools);
  }

  /**
   * A gateway's role by the leader's last decision for its group; with no decision yet, an active-active
   * gateway is active by definition, an active-passive one is unknown.
   */
  static String gatewayRole(GatewayMember gw, RoleAssignment decision) {
    String role = decision == null ? null : decision.roleOf(gw.nodeId());
    if (role != null) {
      return role;
    }
    return gw.settings().mode() == GatewayMode.ACTIVE_ACTIVE ? RoleAssignment.ACTIVE : UNKNOWN;
  }
}
