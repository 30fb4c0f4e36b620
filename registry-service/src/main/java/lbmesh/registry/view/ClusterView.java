package lbmesh.registry.view;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.List;
import lbmesh.shared.cluster.MemberInfo;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.health.EffectiveWeight;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.inflight.InflightReport;
import lbmesh.shared.model.RegistrySnapshot;
import lbmesh.shared.model.Server;

/**
 * {@code GET /api/v1/cluster}: the live view of DESIGN.md. Parts owned by services that are not built
 * yet (leader and epoch, gateway roles, health, in-flight counts) say "unknown" or are absent; they are
 * never invented.
 */
public final class ClusterView {
  static final String UNKNOWN = "unknown";

  private ClusterView() {
  }

  /** `inflight` gives each server's `{total, byGateway}` from the gateways' reports (null: not shown). */
  public static JsonObject build(HazelcastInstance hz, RegistrySnapshot state,
      java.util.function.Function<String, JsonObject> inflight) {
    List<MemberInfo> members = hz.getCluster().getMembers().stream().map(MemberInfo::of)
        .sorted(Comparator.comparing(MemberInfo::service).thenComparing(MemberInfo::nodeId)).toList();
    JsonArray m = new JsonArray();
    JsonArray gateways = new JsonArray();
    for (MemberInfo info : members) {
      m.add(info.toJson().put("role", UNKNOWN));
      if ("gateway".equals(info.service())) {
        gateways.add(new JsonObject().put("nodeId", info.nodeId()).put("group", UNKNOWN).put("mode", UNKNOWN)
            .put("role", UNKNOWN).put("dc", info.dc()));
      }
    }
    java.util.Map<String, HealthRecord> health = new java.util.HashMap<>();
    hz.<String, String>getMap(Addresses.HEALTH_MAP).values()
        .forEach(v -> {
          HealthRecord h = HealthRecord.fromJson(new JsonObject(v));
          health.put(h.key(), h);
        });
    long now = System.currentTimeMillis();
    JsonArray pools = new JsonArray();
    state.pools().values().forEach(e -> {
      JsonArray servers = new JsonArray();
      for (Server s : e.servers().values()) {
        HealthRecord h = health.get(HealthRecord.key(e.pool().name(), s.id()));
        double effective = EffectiveWeight.of(s, h, e.pool().slowStartSeconds(), now);
        servers.add(new JsonObject().put("id", s.id()).put("host", s.host()).put("port", s.port()).put("dc", s.dc())
            .put("state", s.state().wire()).put("weight", s.weight())
            .put("health", h == null ? UNKNOWN : h.status())
            .put("effectiveWeight", s.state() == Server.State.READY ? Math.round(effective * 100) / 100.0 : 0)
            .put("inflight", inflight.apply(InflightReport.key(e.pool().name(), s.id()))));
      }
      pools.add(new JsonObject().put("name", e.pool().name()).put("algorithm", e.pool().algorithm())
          .put("servers", servers));
    });
    return new JsonObject()
        .put("registryVersion", state.version())
        .put("members", m)
        .put("gateways", gateways)
        .put("pools", pools);
  }

}
