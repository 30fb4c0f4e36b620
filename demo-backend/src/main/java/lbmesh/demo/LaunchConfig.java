package lbmesh.demo;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link Main} starts, from the command line with the environment as fallback.
 *
 * @param host bind address of every backend
 * @param ports HTTP ports, one backend each
 * @param agentPorts agent-check ports, parallel to {@code ports}; -1 means none
 */
record LaunchConfig(String host, List<Integer> ports, List<Integer> agentPorts) {

  static final String USAGE = String.join("\n",
      "usage: java -jar demo-backend.jar [--ports 7001,7002] [--agent-ports 7101,7102|none] [--host 127.0.0.1]",
      "  --ports        HTTP ports, one backend each (env DEMO_PORTS, default 7001)",
      "  --agent-ports  agent-check ports, one per HTTP port, or none (env DEMO_AGENT_PORTS,",
      "                 default: each HTTP port + 100)",
      "  --host         bind address (env DEMO_HOST, default 127.0.0.1)");

  /** Agent ports sit this far above their HTTP port unless listed. */
  static final int AGENT_PORT_OFFSET = 100;

  /** Reads the arguments; throws IllegalArgumentException with a message for the user. */
  static LaunchConfig parse(String[] args, Map<String, String> env) {
    String ports = env.get("DEMO_PORTS");
    String agentPorts = env.get("DEMO_AGENT_PORTS");
    String host = env.get("DEMO_HOST");
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) { // --ports=7001 as well as --ports 7001
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (!name.equals("--ports") && !name.equals("--agent-ports") && !name.equals("--host")) {
        throw new IllegalArgumentException("unknown argument '" + arg + "'");
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(name + " needs a value");
        }
        value = args[++i];
      }
      switch (name) {
        case "--ports" -> ports = value;
        case "--agent-ports" -> agentPorts = value;
        default -> host = value;
      }
    }
    return build(blankTo(host, DemoBackendOptions.DEFAULT_HOST), blankTo(ports, "7001"), agentPorts);
  }

  private static LaunchConfig build(String host, String portList, String agentPortList) {
    List<Integer> ports = portList("--ports", portList);
    List<Integer> agentPorts;
    if (agentPortList == null || agentPortList.isBlank()) {
      agentPorts = new ArrayList<>();
      for (int port : ports) {
        if (port != 0 && port + AGENT_PORT_OFFSET > 65535) {
          throw new IllegalArgumentException(
              "port " + port + " has no default agent port (" + (port + AGENT_PORT_OFFSET)
                  + " > 65535): give --agent-ports");
        }
        agentPorts.add(port == 0 ? 0 : port + AGENT_PORT_OFFSET);
      }
    } else if (agentPortList.trim().equalsIgnoreCase("none")) {
      agentPorts = new ArrayList<>();
      ports.forEach(p -> agentPorts.add(DemoBackendOptions.NO_AGENT));
    } else {
      agentPorts = portList("--agent-ports", agentPortList);
      if (agentPorts.size() != ports.size()) {
        throw new IllegalArgumentException("--agent-ports lists " + agentPorts.size()
            + " ports but --ports lists " + ports.size());
      }
    }
    Set<Integer> seen = new HashSet<>();
    for (List<Integer> list : List.of(ports, agentPorts)) {
      for (int port : list) {
        if (port > 0 && !seen.add(port)) {
          throw new IllegalArgumentException("port " + port + " is listed twice");
        }
      }
    }
    return new LaunchConfig(host, List.copyOf(ports), List.copyOf(agentPorts));
  }

  private static List<Integer> portList(String name, String list) {
    List<Integer> ports = new ArrayList<>();
    for (String item : list.split(",", -1)) {
      try {
        int port = Integer.parseInt(item.trim());
        if (port >= 0 && port <= 65535) {
          ports.add(port);
          continue;
        }
      } catch (NumberFormatException e) {
        // reported below, with the offending item
      }
      throw new IllegalArgumentException(
          name + ": '" + item.trim() + "' is not a port number (0..65535) in '" + list + "'");
    }
    return ports;
  }

  private static String blankTo(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value.trim();
  }
}
