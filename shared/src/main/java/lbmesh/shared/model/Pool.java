package lbmesh.shared.model;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A pool's settings (its servers are a separate collection). Built only from a document that passed
 * {@link Schemas#POOL}; every default lives here, once.
 */
public record Pool(
    String name,
    String algorithm,
    Sticky sticky,
    HealthCheck healthCheck,
    Locality locality,
    int slowStartSeconds,
    int retries,
    Timeouts timeouts,
    Outlier outlier,
    Hash hash,
    long version) {

  public static final String DEFAULT_POOL = "default";
  public static final String DEFAULT_ALGORITHM = "round-robin";
  public static final int DEFAULT_RETRIES = 2;

  /** Sticky sessions: `none`, `cookie`, `source-ip` or `header:<name>`; entries idle out after ttlSeconds. */
  public record Sticky(String mode, int ttlSeconds, String cookieName) {
    public static final Sticky DEFAULT = new Sticky("none", 1800, "LBMESH");

    static Sticky fromJson(JsonObject j) {
      return j == null ? DEFAULT : new Sticky(
          j.getString("mode", DEFAULT.mode), j.getInteger("ttlSeconds", DEFAULT.ttlSeconds),
          j.getString("cookieName", DEFAULT.cookieName));
    }

    JsonObject toJson() {
      return new JsonObject().put("mode", mode).put("ttlSeconds", ttlSeconds).put("cookieName", cookieName);
    }

    /** The header name of `header:<name>` mode, or null. */
    public String headerName() {
      return mode.startsWith("header:") ? mode.substring("header:".length()) : null;
    }
  }

  /** Active health check settings, read by health-service. */
  public record HealthCheck(String type, String method, String path, String expectStatus, String bodyContains,
      int intervalMs, int timeoutMs, int rise, int fall, int fastIntervalMs, int downIntervalMs,
      int jitterPercent) {
    public static final HealthCheck DEFAULT =
        new HealthCheck("none", "GET", "/health", "200-399", null, 2000, 1000, 2, 3, 500, 2000, 10);

    static HealthCheck fromJson(JsonObject j) {
      HealthCheck d = DEFAULT;
      return j == null ? d : new HealthCheck(
          j.getString("type", d.type), j.getString("method", d.method), j.getString("path", d.path),
          j.getString("expectStatus", d.expectStatus), j.getString("bodyContains", d.bodyContains),
          j.getInteger("intervalMs", d.intervalMs), j.getInteger("timeoutMs", d.timeoutMs),
          j.getInteger("rise", d.rise), j.getInteger("fall", d.fall),
          j.getInteger("fastIntervalMs", d.fastIntervalMs), j.getInteger("downIntervalMs", d.downIntervalMs),
          j.getInteger("jitterPercent", d.jitterPercent));
    }

    JsonObject toJson() {
      return new JsonObject().put("type", type).put("method", method).put("path", path)
          .put("expectStatus", expectStatus).put("bodyContains", bodyContains).put("intervalMs", intervalMs)
          .put("timeoutMs", timeoutMs).put("rise", rise).put("fall", fall).put("fastIntervalMs", fastIntervalMs)
          .put("downIntervalMs", downIntervalMs).put("jitterPercent", jitterPercent);
    }
  }

  /** Where traffic goes across data centers: `any`, `local-first` or `active-standby` (with primaryDc). */
  public record Locality(String mode, String primaryDc, int failbackDelaySeconds) {
    public static final Locality DEFAULT = new Locality("any", null, 30);

    static Locality fromJson(JsonObject j) {
      return j == null ? DEFAULT : new Locality(j.getString("mode", DEFAULT.mode),
          j.getString("primaryDc", DEFAULT.primaryDc),
          j.getInteger("failbackDelaySeconds", DEFAULT.failbackDelaySeconds));
    }

    JsonObject toJson() {
      return new JsonObject().put("mode", mode).put("primaryDc", primaryDc)
          .put("failbackDelaySeconds", failbackDelaySeconds);
    }
  }

  /** Per-pool timeouts towards its servers. */
  public record Timeouts(int connectMs, int responseHeaderMs, int idleMs) {
    public static final Timeouts DEFAULT = new Timeouts(1000, 30000, 60000);

    static Timeouts fromJson(JsonObject j) {
      return j == null ? DEFAULT : new Timeouts(j.getInteger("connectMs", DEFAULT.connectMs),
          j.getInteger("responseHeaderMs", DEFAULT.responseHeaderMs), j.getInteger("idleMs", DEFAULT.idleMs));
    }

    JsonObject toJson() {
      return new JsonObject().put("connectMs", connectMs).put("responseHeaderMs", responseHeaderMs)
          .put("idleMs", idleMs);
    }
  }

  /** Passive health: eject after consecutive failures, for a base time growing with repeats. */
  public record Outlier(int consecutiveFailures, int baseEjectionMs, int maxEjectionPercent) {
    public static final Outlier DEFAULT = new Outlier(5, 30000, 50);

    static Outlier fromJson(JsonObject j) {
      return j == null ? DEFAULT : new Outlier(j.getInteger("consecutiveFailures", DEFAULT.consecutiveFailures),
          j.getInteger("baseEjectionMs", DEFAULT.baseEjectionMs),
          j.getInteger("maxEjectionPercent", DEFAULT.maxEjectionPercent));
    }

    JsonObject toJson() {
      return new JsonObject().put("consecutiveFailures", consecutiveFailures).put("baseEjectionMs", baseEjectionMs)
          .put("maxEjectionPercent", maxEjectionPercent);
    }
  }

  /**
   * Options of the consistent-hash algorithms: {@code includeQuery} makes url-hash key on the query as
   * well as the path (off: every query of a path shares the path's server, the cache-affinity case).
   * Ignored by the other algorithms, so a pool can switch algorithm without dropping it.
   */
  public record Hash(boolean includeQuery) {
    public static final Hash DEFAULT = new Hash(false);

    static Hash fromJson(JsonObject j) {
      return j == null ? DEFAULT : new Hash(j.getBoolean("includeQuery", DEFAULT.includeQuery));
    }

    JsonObject toJson() {
      return new JsonObject().put("includeQuery", includeQuery);
    }
  }

  /** A pool with every setting at its default. */
  public static Pool defaults(String name) {
    return new Pool(name, DEFAULT_ALGORITHM, Sticky.DEFAULT, HealthCheck.DEFAULT, Locality.DEFAULT, 0,
        DEFAULT_RETRIES, Timeouts.DEFAULT, Outlier.DEFAULT, Hash.DEFAULT, 0);
  }

  /**
   * Validates a pool document (schema plus the rules a schema cannot say) and builds the pool;
   * missing settings take their defaults.
   */
  public static Pool parse(String name, JsonObject doc) {
    Object given = doc.getValue("name");
    if (given != null && !given.equals(name)) {
      throw new InvalidModelException("name", "does not match the pool in the path ('" + name + "')");
    }
    JsonObject full = doc.copy().put("name", name);
    List<FieldError> errors = new ArrayList<>(Schemas.validate(Schemas.POOL, full));
    if (errors.isEmpty()) {
      Pool p = fromJson(full);
      // JSON Schema cannot compare two fields
      if (p.healthCheck.timeoutMs > p.healthCheck.intervalMs) {
        errors.add(new FieldError("healthCheck.timeoutMs", "must not exceed healthCheck.intervalMs ("
            + p.healthCheck.intervalMs + ")"));
      }
      if (errors.isEmpty()) {
        return p;
      }
    }
    throw new InvalidModelException(errors);
  }

  /** Reads a stored (already valid) pool. */
  public static Pool fromJson(JsonObject j) {
    return new Pool(
        j.getString("name"),
        j.getString("algorithm", DEFAULT_ALGORITHM),
        Sticky.fromJson(j.getJsonObject("sticky")),
        HealthCheck.fromJson(j.getJsonObject("healthCheck")),
        Locality.fromJson(j.getJsonObject("locality")),
        j.getInteger("slowStartSeconds", 0),
        j.getInteger("retries", DEFAULT_RETRIES),
        Timeouts.fromJson(j.getJsonObject("timeouts")),
        Outlier.fromJson(j.getJsonObject("outlier")),
        Hash.fromJson(j.getJsonObject("hash")),
        j.getLong("version", 0L));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("name", name)
        .put("algorithm", algorithm)
        .put("sticky", sticky.toJson())
        .put("healthCheck", healthCheck.toJson())
        .put("locality", locality.toJson())
        .put("slowStartSeconds", slowStartSeconds)
        .put("retries", retries)
        .put("timeouts", timeouts.toJson())
        .put("outlier", outlier.toJson())
        .put("hash", hash.toJson())
        .put("version", version);
  }

  public Pool withVersion(long v) {
    return new Pool(name, algorithm, sticky, healthCheck, locality, slowStartSeconds, retries, timeouts, outlier,
        hash, v);
  }
}
