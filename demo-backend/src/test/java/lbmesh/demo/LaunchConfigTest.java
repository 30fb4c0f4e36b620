package lbmesh.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LaunchConfigTest {

  @Test
  void defaultsToOneBackendOnLoopback() {
    LaunchConfig config = LaunchConfig.parse(new String[0], Map.of());

    assertEquals(new LaunchConfig("127.0.0.1", List.of(7001), List.of(7101)), config);
  }

  @Test
  void agentPortsDefaultToHttpPortPlus100() {
    LaunchConfig config = LaunchConfig.parse(
        new String[] {"--ports", "7001,7002,7003", "--host", "0.0.0.0"}, Map.of());

    assertEquals(List.of(7001, 7002, 7003), config.ports());
    assertEquals(List.of(7101, 7102, 7103), config.agentPorts());
    assertEquals("0.0.0.0", config.host());
  }

  @Test
  void argumentsWinOverEnvironment() {
    Map<String, String> env = Map.of("DEMO_PORTS", "8001,8002", "DEMO_AGENT_PORTS", "8201,8202",
        "DEMO_HOST", "0.0.0.0");

    assertEquals(new LaunchConfig("0.0.0.0", List.of(8001, 8002), List.of(8201, 8202)),
        LaunchConfig.parse(new String[0], env));
    assertEquals(new LaunchConfig("127.0.0.1", List.of(9001), List.of(9101)),
        LaunchConfig.parse(new String[] {"--ports=9001", "--agent-ports", "9101", "--host", "127.0.0.1"}, env));
  }

  @Test
  void agentPortsCanBeTurnedOff() {
    assertEquals(List.of(-1, -1),
        LaunchConfig.parse(new String[] {"--ports", "7001,7002", "--agent-ports", "none"}, Map.of()).agentPorts());
  }

  @Test
  void malformedArgumentsAreRejectedWithTheReason() {
    assertRejected("is not a port number", "--ports", "7001,abc");
    assertRejected("is not a port number", "--ports", "70000");
    assertRejected("is not a port number", "--ports", "7001,");
    assertRejected("lists 1 ports but --ports lists 2", "--ports", "7001,7002", "--agent-ports", "7101");
    assertRejected("listed twice", "--ports", "7001,7001");
    assertRejected("listed twice", "--ports", "7001,7002", "--agent-ports", "7002,7102");
    assertRejected("no default agent port", "--ports", "65500");
    assertRejected("needs a value", "--ports");
    assertRejected("unknown argument", "--port", "7001");
  }

  private static void assertRejected(String reason, String... args) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LaunchConfig.parse(args, Map.of()));
    assertTrue(e.getMessage().contains(reason), e.getMessage());
  }
}
