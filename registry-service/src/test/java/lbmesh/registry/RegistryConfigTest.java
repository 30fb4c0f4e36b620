package lbmesh.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import lbmesh.shared.launch.Env;
import org.junit.jupiter.api.Test;

class RegistryConfigTest {
  @Test
  void refusesToStartWithoutAnAdminToken() {
    var e = assertThrows(IllegalStateException.class, () -> RegistryConfig.fromEnv(new Env(Map.of())));
    assertTrue(e.getMessage().contains("LB_ADMIN_TOKEN"));
  }

  @Test
  void refusesAShortToken() {
    assertThrows(IllegalStateException.class, () -> RegistryConfig.fromEnv(new Env(Map.of("LB_ADMIN_TOKEN", "abc"))));
  }

  @Test
  void defaultsFollowTheContract() {
    RegistryConfig c = RegistryConfig.fromEnv(new Env(Map.of("LB_ADMIN_TOKEN", "0123456789abcdef0123")));
    assertEquals(9000, c.port());
    assertEquals(java.nio.file.Path.of("./data/registry"), c.dataDir());
  }
}
