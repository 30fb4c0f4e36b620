package lbmesh.registry;

import java.nio.file.Path;
import lbmesh.shared.launch.Env;

/**
 * The registry's settings: API listener (LB_HTTP_HOST, LB_HTTP_PORT, default 9000), admin token
 * (LB_ADMIN_TOKEN, required) and data directory (LB_DATA_DIR, default ./data/registry).
 */
public record RegistryConfig(String host, int port, String adminToken, Path dataDir) {
  public static final int DEFAULT_PORT = 9000;
  /** Largest request body the API accepts. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  public static RegistryConfig fromEnv(Env env) {
    String token = env.get("LB_ADMIN_TOKEN", null);
    if (token == null) {
      throw new IllegalStateException("LB_ADMIN_TOKEN is not set: the registry refuses to start without an admin"
          + " token (./mesh up generates one; otherwise export LB_ADMIN_TOKEN=$(openssl rand -hex 24))");
    }
    if (token.length() < 16) {
      throw new IllegalStateException("LB_ADMIN_TOKEN is too short (" + token.length()
          + " characters); use at least 16 random characters");
    }
    return new RegistryConfig(
        env.get("LB_HTTP_HOST", "0.0.0.0"),
        env.getInt("LB_HTTP_PORT", DEFAULT_PORT),
        token,
        Path.of(env.get("LB_DATA_DIR", "./data/registry")));
  }
}
