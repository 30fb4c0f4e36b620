package lbmesh.shared.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import lbmesh.shared.failover.FailoverMap;
import lbmesh.shared.launch.Env;
import org.junit.jupiter.api.Test;

class ClusterSettingsTest {
  private static ClusterSettings fromEnv(String service, Map<String, String> vars) {
    return ClusterSettings.fromEnv(service, new Env(vars));
  }

  @Test
  void aMemberIsAnOrdinaryOneUnlessLbRoleSaysWitness() {
    assertEquals(MemberRole.MEMBER, fromEnv(FailoverMap.SERVICE, Map.of()).role());
    assertEquals(MemberRole.MEMBER, fromEnv("gateway", Map.of("LB_ROLE", "member")).role());
    assertEquals(MemberRole.WITNESS, fromEnv(FailoverMap.SERVICE, Map.of("LB_ROLE", "witness")).role());
  }

  @Test
  void anUnknownRoleIsAStartupErrorThatNamesTheVariable() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> fromEnv(FailoverMap.SERVICE, Map.of("LB_ROLE", "observer")));
    assertEquals("LB_ROLE must be 'member' or 'witness', got 'observer'", e.getMessage());
  }

  @Test
  void onlyTheFailoverServiceCanBeAWitness() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> fromEnv("gateway", Map.of("LB_ROLE", "witness")));
    assertTrue(e.getMessage().contains("failover-service only"), e.getMessage());
  }
}
