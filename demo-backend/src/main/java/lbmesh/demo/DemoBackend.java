package lbmesh.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small upstream server for demos, docker compose and integration tests: an HTTP listener that
 * reports who it is and shapes its answers on request, plus an HAProxy agent-check TCP listener.
 *
 * <p>All methods are safe to call from any thread.
 */
public final class DemoBackend {

  /** Response header naming the backend that answered. */
  public static final String ID_HEADER = "X-Backend-Id";
  /** Agent-check line a backend answers until told otherwise. */
  public static final String DEFAULT_AGENT_REPLY = "up";

  private final Vertx vertx;
  private final DemoBackendOptions options;
  private final TrafficCounter counter = new TrafficCounter();
  /**
   * Open HTTP connections by peer address, so kill() can cut them even in the middle of a response.
   * Keyed by peer because an upgraded connection never reports its close (Vert.x 5.0.7): its
   * WebSocket does, and it knows only the peer address.
   */
  private final Map<SocketAddress, HttpConnection> connections = new ConcurrentHashMap<>();
  private volatile boolean healthy = true;
  private volatile String agentReply = DEFAULT_AGENT_REPLY;
  private volatile HttpServer http;
  private volatile NetServer agent;
  /** Both listeners are bound (and not killed since). */
  private volatile boolean listening;

  private DemoBackend(Vertx vertx, DemoBackendOptions options) {
    this.vertx = vertx;
    // a copy: the caller may reuse and change its options object after start
    this.options = new DemoBackendOptions()
        .setPort(options.getPort())
        .setAgentPort(options.getAgentPort())
        .setId(options.getId())
        .setHost(options.getHost());
  }

  /**
   * Starts a backend. The future fails, with both listeners closed, if a port cannot be bound.
   */
  public static Future<DemoBackend> start(Vertx vertx, DemoBackendOptions options) {
    return new DemoBackend(vertx, options).listen();
  }

  private Future<DemoBackend> listen() {
    Router router = Router.router(vertx);
    new AdminRoutes(this).mount(router);
    router.route().handler(new TrafficHandler(vertx, this, counter));
    // curl and others send "Expect: 100-continue" before a large body and would stall without it
    HttpServerOptions serverOptions = new HttpServerOptions().setHandle100ContinueAutomatically(true);
    http = vertx.createHttpServer(serverOptions)
        .connectionHandler(this::track)
        .webSocketHandler(new WebSocketEcho(counter, this::forget))
        .requestHandler(router);
    return http.listen(options.getPort(), options.getHost())
        .recover(e -> Future.failedFuture(bindFailure("HTTP", options.getPort(), e)))
        .compose(server -> listenAgent())
        .map(v -> {
          listening = true;
          return this;
        });
  }

  private Future<Void> listenAgent() {
    if (options.getAgentPort() == DemoBackendOptions.NO_AGENT) {
      return Future.succeededFuture();
    }
    agent = vertx.createNetServer().connectHandler(this::answerAgent);
    return agent.listen(options.getAgentPort(), options.getHost())
        .<Void>mapEmpty()
        .recover(e -> http.close()
            .transform(closed -> Future.failedFuture(bindFailure("agent", options.getAgentPort(), e))));
  }

  private IllegalStateException bindFailure(String what, int port, Throwable cause) {
    return new IllegalStateException(
        "cannot listen on " + options.getHost() + ":" + port + " (" + what + "): " + cause.getMessage(),
        cause);
  }

  private void track(HttpConnection connection) {
    SocketAddress peer = connection.remoteAddress();
    connections.put(peer, connection);
    connection.closeHandler(v -> connections.remove(peer, connection));
  }

  private void forget(SocketAddress peer) {
    connections.remove(peer);
  }

  /** HAProxy agent-check protocol: one line per connection, then close. */
  private void answerAgent(NetSocket socket) {
    socket.exceptionHandler(e -> {}); // a checker that hangs up early is no concern of ours
    socket.end(Buffer.buffer(agentReply + "\n"));
  }

  Vertx vertx() {
    return vertx;
  }

  /** Whether its HTTP and agent listeners are up (what {@code /health/ready} reports). */
  boolean listening() {
    return listening;
  }

  /** The actual HTTP port. */
  public int port() {
    return http.actualPort();
  }

  /** The actual agent-check port, or -1 when the backend has none. */
  public int agentPort() {
    NetServer server = agent;
    return server == null ? DemoBackendOptions.NO_AGENT : server.actualPort();
  }

  /** The configured id, or {@code backend-<port>}. */
  public String id() {
    String id = options.getId();
    return id != null ? id : "backend-" + port();
  }

  private volatile long baseDelayMs;

  /** Every answer of this backend is delayed this much more (a slow server), on top of `?delay`. */
  public long baseDelayMs() {
    return baseDelayMs;
  }

  public void setBaseDelayMs(long ms) {
    if (ms < 0 || ms > ResponseShape.MAX_DELAY_MS) {
      throw new IllegalArgumentException("base delay out of range: " + ms);
    }
    this.baseDelayMs = ms;
  }

  public boolean healthy() {
    return healthy;
  }

  /** Switches {@code GET /health} between 200 and 503. */
  public void setHealthy(boolean healthy) {
    this.healthy = healthy;
  }

  public String agentReply() {
    return agentReply;
  }

  /** Sets the line the agent port answers, such as {@code up 75%}, {@code drain} or {@code down#why}. */
  public void setAgentReply(String line) {
    if (line == null || line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("agent reply must be a single line");
    }
    this.agentReply = line;
  }

  /** Traffic seen since the last reset (reserved paths excluded). */
  public BackendStats stats() {
    return counter.snapshot();
  }

  /** Starts a new measuring period; requests in flight stay counted. */
  public void resetStats() {
    counter.reset();
  }

  /** Open HTTP connections, WebSockets included; for tests that guard against leaks. */
  int openConnections() {
    return connections.size();
  }

  /**
   * Cuts every open HTTP connection and WebSocket at once, mid-response included, and keeps
   * listening: a backend that resets its connections but stays up.
   */
  public Future<Void> dropConnections() {
    List<Future<Void>> closing = new ArrayList<>();
    for (HttpConnection connection : connections.values()) {
      closing.add(connection.close()); // close() is shutdown with no grace period
    }
    return settled(closing);
  }

  /**
   * The backend dies: both listeners close and every open connection is cut at once, mid-response
   * included, as if the process had been killed.
   */
  public Future<Void> kill() {
    listening = false;
    List<Future<Void>> closing = new ArrayList<>();
    closing.add(http.close());
    NetServer server = agent;
    if (server != null) {
      closing.add(server.close());
    }
    closing.add(dropConnections());
    return settled(closing);
  }

  /** Same as {@link #kill()}: a demo backend has nothing worth draining gracefully. */
  public Future<Void> close() {
    return kill();
  }

  /** Completes when every step has finished; a step that failed has nothing left to close. */
  private static Future<Void> settled(List<Future<Void>> steps) {
    return Future.join(steps).transform(done -> Future.succeededFuture());
  }
}
