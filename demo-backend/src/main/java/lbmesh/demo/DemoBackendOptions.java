package lbmesh.demo;

/** Where and as whom a {@link DemoBackend} listens. */
public final class DemoBackendOptions {

  /** Default bind address: the mesh runs on loopback unless told otherwise. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** Agent port value that means "no agent listener". */
  public static final int NO_AGENT = -1;

  private int port;
  private int agentPort;
  private String id;
  private String host = DEFAULT_HOST;

  /** HTTP port; 0 (the default) picks a free one. */
  public int getPort() {
    return port;
  }

  public DemoBackendOptions setPort(int port) {
    this.port = checkPort(port, "port");
    return this;
  }

  /** Agent-check TCP port; 0 (the default) picks a free one, {@link #NO_AGENT} opens none. */
  public int getAgentPort() {
    return agentPort;
  }

  public DemoBackendOptions setAgentPort(int agentPort) {
    this.agentPort = agentPort == NO_AGENT ? NO_AGENT : checkPort(agentPort, "agentPort");
    return this;
  }

  /** Backend id; null (the default) means {@code backend-<actual port>}. */
  public String getId() {
    return id;
  }

  public DemoBackendOptions setId(String id) {
    this.id = id;
    return this;
  }

  public String getHost() {
    return host;
  }

  public DemoBackendOptions setHost(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank");
    }
    this.host = host;
    return this;
  }

  private static int checkPort(int port, String name) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + " must be in 0..65535, got " + port);
    }
    return port;
  }
}
