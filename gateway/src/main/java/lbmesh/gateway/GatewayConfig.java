package lbmesh.gateway;

import lbmesh.shared.launch.Env;

/**
 * Gateway settings from the environment, with the defaults written here once.
 *
 * @param eventLoops the Vert.x event loops of a gateway process (Main sets the pool size); client connections
 *     are spread over them, each with its own backend connection pools
 * @param maxHeaderBytes request headers above this get 431
 * @param maxUriBytes request lines above this get 414
 * @param clientIdleSeconds a client connection idle this long is closed
 * @param headerTimeoutMs a new client connection must complete its first request head within this
 * @param retryBudgetPercent retries may add at most this share of the request rate
 * @param minRetriesPerSecond retries always allowed, whatever the budget says
 * @param shareIntervalMs how often in-flight counts are shared with the other gateways (0: not at all)
 * @param stickySecret HMAC key of sticky cookies; null: generated once and shared through the cluster
 * @param promoteHook LB_PROMOTE_HOOK: a shell command run when this gateway is promoted to active in an
 *     active-passive group (keepalived's notify script), or null
 * @param initialTableWaitMs an active-active gateway opens its traffic port once the first routing table is in,
 *     or after this long without one (the registry unreachable: it then answers 503 until one comes)
 */
public record GatewayConfig(
    String host,
    int httpPort,
    int adminPort,
    boolean exposeServerHeader,
    int eventLoops,
    int maxHeaderBytes,
    int maxUriBytes,
    int clientIdleSeconds,
    int headerTimeoutMs,
    int retryBudgetPercent,
    int minRetriesPerSecond,
    int backendPoolSize,
    int shareIntervalMs,
    String stickySecret,
    String promoteHook,
    int initialTableWaitMs) {

  public static GatewayConfig fromEnv(Env env) {
    return new GatewayConfig(
        env.get("LB_HTTP_HOST", "0.0.0.0"),
        env.getInt("LB_HTTP_PORT", 8080),
        env.getInt("LB_ADMIN_PORT", 9080),
        env.getBoolean("LB_EXPOSE_SERVER_HEADER", false),
        env.getInt("LB_EVENT_LOOPS", Runtime.getRuntime().availableProcessors()),
        env.getInt("LB_MAX_HEADER_BYTES", 16384),
        env.getInt("LB_MAX_URI_BYTES", 8192),
        env.getInt("LB_CLIENT_IDLE_SECONDS", 60),
        env.getInt("LB_HEADER_TIMEOUT_MS", 10_000),
        env.getInt("LB_RETRY_BUDGET_PERCENT", 20),
        env.getInt("LB_MIN_RETRIES_PER_SECOND", 10),
        env.getInt("LB_BACKEND_POOL_SIZE", 512),
        env.getInt("LB_SHARE_INTERVAL_MS", 100),
        env.get("LB_STICKY_SECRET", null),
        env.get("LB_PROMOTE_HOOK", null),
        env.getInt("LB_INITIAL_TABLE_WAIT_MS", 15_000));
  }

  /** Defaults with the given ports (tests). */
  public static GatewayConfig forTest(int httpPort, int adminPort) {
    return fromEnv(new Env(java.util.Map.of())).withPorts(httpPort, adminPort);
  }

  public GatewayConfig withPorts(int http, int admin) {
    return new GatewayConfig(host, http, admin, exposeServerHeader, eventLoops, maxHeaderBytes, maxUriBytes,
        clientIdleSeconds, headerTimeoutMs, retryBudgetPercent, minRetriesPerSecond, backendPoolSize, shareIntervalMs, stickySecret, promoteHook, initialTableWaitMs);
  }

  public GatewayConfig withShareInterval(int ms) {
    return new GatewayConfig(host, httpPort, adminPort, exposeServerHeader, eventLoops, maxHeaderBytes, maxUriBytes,
        clientIdleSeconds, headerTimeoutMs, retryBudgetPercent, minRetriesPerSecond, backendPoolSize, ms, stickySecret, promoteHook, initialTableWaitMs);
  }

  public GatewayConfig withExposeServerHeader(boolean b) {
    return new GatewayConfig(host, httpPort, adminPort, b, eventLoops, maxHeaderBytes, maxUriBytes,
        clientIdleSeconds, headerTimeoutMs, retryBudgetPercent, minRetriesPerSecond, backendPoolSize, shareIntervalMs, stickySecret, promoteHook, initialTableWaitMs);
  }

  public GatewayConfig withPromoteHook(String hook) {
    return new GatewayConfig(host, httpPort, adminPort, exposeServerHeader, eventLoops, maxHeaderBytes, maxUriBytes,
        clientIdleSeconds, headerTimeoutMs, retryBudgetPercent, minRetriesPerSecond, backendPoolSize, shareIntervalMs,
        stickySecret, hook, initialTableWaitMs);
  }

  public GatewayConfig withLimits(int headerBytes, int uriBytes, int headerTimeout) {
    return new GatewayConfig(host, httpPort, adminPort, exposeServerHeader, eventLoops, headerBytes, uriBytes,
        clientIdleSeconds, headerTimeout, retryBudgetPercent, minRetriesPerSecond, backendPoolSize, shareIntervalMs, stickySecret, promoteHook, initialTableWaitMs);
  }

  public GatewayConfig withClientIdleSeconds(int seconds) {
    return new GatewayConfig(host, httpPort, adminPort, exposeServerHeader, eventLoops, maxHeaderBytes, maxUriBytes,
        seconds, headerTimeoutMs, retryBudgetPercent, minRetriesPerSecond, backendPoolSize, shareIntervalMs, stickySecret,
        promoteHook, initialTableWaitMs);
  }

  public GatewayConfig withInitialTableWaitMs(int ms) {
    return new GatewayConfig(host, httpPort, adminPort, exposeServerHeader, eventLoops, maxHeaderBytes, maxUriBytes,
        clientIdleSeconds, headerTimeoutMs, retryBudgetPercent, minRetriesPerSecond, backendPoolSize, shareIntervalMs,
        stickySecret, promoteHook, ms);
  }

  public GatewayConfig withBackendPoolSize(int perLoopAndServer) {
    return new GatewayConfig(host, httpPort, adminPort, exposeServerHeader, eventLoops, maxHeaderBytes, maxUriBytes,
        clientIdleSeconds, headerTimeoutMs, retryBudgetPercent, minRetriesPerSecond, perLoopAndServer, shareIntervalMs,
        stickySecret, promoteHook, initialTableWaitMs);
  }
}
