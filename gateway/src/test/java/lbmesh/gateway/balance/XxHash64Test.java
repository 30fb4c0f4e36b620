package lbmesh.gateway.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class XxHash64Test {

  @Test
  void xxHash64MatchesReferenceVectors() {
    // Values from the reference implementation (xxhsum -H1).
    assertEquals(0xEF46DB3751D8E999L, XxHash64.hash(new byte[0], 0));
    assertEquals(0xD24EC4F1A98C6E5BL, XxHash64.hash(bytes("a"), 0));
    assertEquals(0x44BC2CF5AD770999L, XxHash64.hash(bytes("abc"), 0));
    assertEquals(0xDEB51C45533E7322L,
        XxHash64.hash(bytes("The quick brown fox jumps over the lazy dog, 0123456789 times!"), 0));
  }

  @Test
  void stringHashIsXxHash64OfUtf16LittleEndianBytes() {
    // Reference values for the UTF-16LE bytes, from xxhsum -H1.
    assertEquals(0xE453AD4B154FE397L, XxHash64.hash("10.0.0.1", 0));
    assertEquals(0x6F0B7132284BC0B2L, XxHash64.hash("/api/v1/pools/default?x=1&y=\u00fc\u20ac", 0));
    SplittableRandom random = new SplittableRandom(3);
    for (int length = 0; length < 80; length++) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < length; i++) {
        text.append((char) random.nextInt(0xD800)); // any non-surrogate char
      }
      long seed = random.nextLong();
      assertEquals(XxHash64.hash(text.toString().getBytes(StandardCharsets.UTF_16LE), seed),
          XxHash64.hash(text, seed), "length " + length);
    }
  }

  private static byte[] bytes(String ascii) {
    return ascii.getBytes(StandardCharsets.US_ASCII);
  }
}
