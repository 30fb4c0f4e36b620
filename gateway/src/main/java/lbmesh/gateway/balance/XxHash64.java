package lbmesh.gateway.balance;

/**
 * xxHash64 (XXH64), written out here because nothing the project depends on provides a specified,
 * well-mixed 64-bit hash (String.hashCode is 32 bits and close keys such as 10.0.0.1 and 10.0.0.2 land
 * close together). The hash is part of the contract between gateways: all of them must map a key to the
 * same server, so it must not depend on the JVM. Strings are hashed as their UTF-16LE bytes, read
 * straight from the chars so that hashing a key allocates nothing.
 */
final class XxHash64 {

  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  private XxHash64() {}

  /** XXH64 of the UTF-16LE encoding of {@code text}. */
  static long hash(CharSequence text, long seed) {
    int chars = text.length();
    int c = 0;
    long h;
    if (chars >= 16) { // 32-byte stripes
      long v1 = seed + P1 + P2;
      long v2 = seed + P2;
      long v3 = seed;
      long v4 = seed - P1;
      int limit = chars - 16;
      do {
        v1 = round(v1, word(text, c));
        v2 = round(v2, word(text, c + 4));
        v3 = round(v3, word(text, c + 8));
        v4 = round(v4, word(text, c + 12));
        c += 16;
      } while (c <= limit);
      h = converge(v1, v2, v3, v4);
    } else {
      h = seed + P5;
    }
    h += 2L * chars;
    for (; c + 4 <= chars; c += 4) {
      h = mixLong(h, word(text, c));
    }
    if (c + 2 <= chars) {
      h = mixInt(h, text.charAt(c) | (long) text.charAt(c + 1) << 16);
      c += 2;
    }
    if (c < chars) {
      char last = text.charAt(c);
      h = mixByte(h, last & 0xFF);
      h = mixByte(h, last >>> 8);
    }
    return avalanche(h);
  }

  /** XXH64 of {@code data}; the reference the char version is checked against. */
  static long hash(byte[] data, long seed) {
    int length = data.length;
    int p = 0;
    long h;
    if (length >= 32) {
      long v1 = seed + P1 + P2;
      long v2 = seed + P2;
      long v3 = seed;
      long v4 = seed - P1;
      int limit = length - 32;
      do {
        v1 = round(v1, littleEndianLong(data, p));
        v2 = round(v2, littleEndianLong(data, p + 8));
        v3 = round(v3, littleEndianLong(data, p + 16));
        v4 = round(v4, littleEndianLong(data, p + 24));
        p += 32;
      } while (p <= limit);
      h = converge(v1, v2, v3, v4);
    } else {
      h = seed + P5;
    }
    h += length;
    for (; p + 8 <= length; p += 8) {
      h = mixLong(h, littleEndianLong(data, p));
    }
    if (p + 4 <= length) {
      h = mixInt(h, littleEndianLong(data, p) & 0xFFFFFFFFL);
      p += 4;
    }
    for (; p < length; p++) {
      h = mixByte(h, data[p] & 0xFF);
    }
    return avalanche(h);
  }

  private static long word(CharSequence text, int c) {
    return text.charAt(c) | (long) text.charAt(c + 1) << 16 | (long) text.charAt(c + 2) << 32
        | (long) text.charAt(c + 3) << 48;
  }

  /** Up to 8 little-endian bytes from {@code p} (fewer at the end of the array). */
  private static long littleEndianLong(byte[] data, int p) {
    long value = 0;
    for (int i = Math.min(7, data.length - p - 1); i >= 0; i--) {
      value = value << 8 | (data[p + i] & 0xFF);
    }
    return value;
  }

  private static long round(long accumulator, long input) {
    return Long.rotateLeft(accumulator + input * P2, 31) * P1;
  }

  private static long converge(long v1, long v2, long v3, long v4) {
    long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12)
        + Long.rotateLeft(v4, 18);
    h = (h ^ round(0, v1)) * P1 + P4;
    h = (h ^ round(0, v2)) * P1 + P4;
    h = (h ^ round(0, v3)) * P1 + P4;
    return (h ^ round(0, v4)) * P1 + P4;
  }

  private static long mixLong(long h, long input) {
    return Long.rotateLeft(h ^ round(0, input), 27) * P1 + P4;
  }

  private static long mixInt(long h, long unsignedInt) {
    return Long.rotateLeft(h ^ unsignedInt * P1, 23) * P2 + P3;
  }

  private static long mixByte(long h, int unsignedByte) {
    return Long.rotateLeft(h ^ unsignedByte * P5, 11) * P1;
  }

  private static long avalanche(long h) {
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    return h ^ h >>> 32;
  }
}
