package lbmesh.shared.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.hazelcast.config.Config;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import java.util.Map;
import lbmesh.shared.cluster.ClusterBootstrap;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.launch.Env;
import org.junit.jupiter.api.Test;

class FailoverClusterConfigTest {
  @Test
  void aGatewayJoinsWithItsGroupSettingsAsMemberAttributes() {
    ClusterSettings s = ClusterSettings.fromEnv("gateway", new Env(Map.of("LB_GATEWAY_GROUP", "blue",
        "LB_GATEWAY_MODE", "active-passive", "LB_GATEWAY_PRIORITY", "120", "LB_PREEMPT", "true")));
    Map<String, String> attrs = ClusterBootstrap.hazelcastConfig(s).getMemberAttributeConfig().getAttributes();
    assertEquals("blue", attrs.get(GatewayGroupSettings.ATTR_GROUP));
    assertEquals("active-passive", attrs.get(GatewayGroupSettings.ATTR_MODE));
    assertEquals("120", attrs.get(GatewayGroupSettings.ATTR_PRIORITY));
    assertEquals("true", attrs.get(GatewayGroupSettings.ATTR_PREEMPT));
    ClusterSettings other = ClusterSettings.fromEnv("health-service", new Env(Map.of("LB_GATEWAY_MODE", "bogus")));
    assertNull(other.gateway(), "only gateways read the group settings");
    assertThrows(IllegalStateException.class,
        () -> ClusterSettings.fromEnv("gateway", new Env(Map.of("LB_GATEWAY_MODE", "bogus"))));
  }

  @Test
  void lbQuorumGuardsWritesToTheFailoverMapAndTheHigherEpochWinsAMerge() {
    Config off = ClusterBootstrap.hazelcastConfig(ClusterSettings.fromEnv("registry-service", new Env(Map.of())));
    assertNull(off.getMapConfig(Addresses.FAILOVER_MAP).getSplitBrainProtectionName(), "LB_QUORUM defaults to off");
    Config on = ClusterBootstrap.hazelcastConfig(ClusterSettings.fromEnv("registry-service",
        new Env(Map.of("LB_QUORUM", "4"))));
    assertEquals(FailoverMap.QUORUM, on.getMapConfig(Addresses.FAILOVER_MAP).getSplitBrainProtectionName());
    assertEquals(4, on.getSplitBrainProtectionConfig(FailoverMap.QUORUM).getMinimumClusterSize());
    assertEquals(SplitBrainProtectionOn.WRITE, on.getSplitBrainProtectionConfig(FailoverMap.QUORUM).getProtectOn());
    assertEquals(HigherEpochMergePolicy.class.getName(),
        on.getMapConfig(Addresses.FAILOVER_MAP).getMergePolicyConfig().getPolicy());
  }
}
