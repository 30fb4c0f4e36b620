package lbmesh.shared.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.logging.Logger;

/**
 * Requires {@code Authorization: Bearer <token>} on write methods: 401 without credentials, 403 with
 * a wrong token. Reads pass. The comparison is constant-time over fixed-length digests, so neither the
 * token's content nor its length leaks through timing.
 */
public final class BearerAuth implements Handler<RoutingContext> {
  private static final Logger LOG = Logger.getLogger(BearerAuth.class.getName());
  private final byte[] expected;

  public BearerAuth(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("an admin token is required");
    }
    this.expected = digest(token);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpMethod m = ctx.request().method();
    if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS) {
      ctx.next();
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"lbmesh\"");
      Problem.of(401, "Unauthorized", "writes need 'Authorization: Bearer <LB_ADMIN_TOKEN>'").send(ctx.response());
      return;
    }
    if (!MessageDigest.isEqual(expected, digest(header.substring(7).trim()))) {
      LOG.warning(() -> "rejected write with a wrong admin token from " + ctx.request().remoteAddress()
          + ": " + m + " " + ctx.request().path());
      Problem.of(403, "Forbidden", "the bearer token is not the admin token").send(ctx.response());
      return;
    }
    ctx.next();
  }

  private static byte[] digest(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
