package lbmesh.gateway.sticky;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The sticky cookie: an opaque client key with an HMAC-SHA256 tag under the cluster's secret,
 * {@code <key>.<tag>}. It names no server or address; a forged or altered cookie fails the tag and
 * the client is treated as new.
 */
public final class StickyCookie {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int TAG_BYTES = 16;

  private final byte[] secret;
  private final ThreadLocal<Mac> macs;

  public StickyCookie(byte[] secret) {
    this.secret = secret.clone();
    this.macs = ThreadLocal.withInitial(() -> {
      try {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(new SecretKeySpec(this.secret, "HmacSHA256"));
        return m;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** A new client key. */
  public static String newKey() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return B64.encodeToString(b);
  }

  /** The cookie value for a key in a pool (the pool is signed too: a cookie is valid for one pool). */
  public String issue(String pool, String key) {
    return key + "." + tag(pool, key);
  }

  /** The key of a valid cookie value, or null when absent, malformed or forged. */
  public String verify(String pool, String value) {
    if (value == null) {
      return null;
    }
    int dot = value.indexOf('.');
    if (dot <= 0 || dot == value.length() - 1) {
      return null;
    }
    String key = value.substring(0, dot);
    byte[] given = value.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
    byte[] expected = tag(pool, key).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(given, expected) ? key : null;
  }

  private String tag(String pool, String key) {
    Mac m = macs.get();
    m.update(pool.getBytes(StandardCharsets.UTF_8));
    m.update((byte) 0);
    byte[] full = m.doFinal(key.getBytes(StandardCharsets.UTF_8));
    byte[] cut = new byte[TAG_BYTES];
    System.arraycopy(full, 0, cut, 0, TAG_BYTES);
    return B64.encodeToString(cut);
  }
}
