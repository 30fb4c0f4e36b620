package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class ForwardingTest {
  @Test
  void everyHopByHopHeaderIsRecognisedInAnyCaseAndNothingElse() {
    for (String h : Forwarding.HOP_BY_HOP) {
      assertTrue(Forwarding.isHopByHop(h));
      assertTrue(Forwarding.isHopByHop(h.toUpperCase(Locale.ROOT)));
    }
    for (String h : new String[] {"content-type", "x-forwarded-for", "host", "cookie", "tee", "upgrades"}) {
      assertFalse(Forwarding.isHopByHop(h), h);
    }
  }

  @Test
  void stripDropsHopByHopAndConnectionNamedHeadersKeepsRepeatsAndAppendsForwardedFor() {
    HttpHeaders out = new DefaultHttpHeaders().add("Connection", "keep-alive,  X-Secret ,x-other").add("X-Secret", "s")
        .add("X-Other", "o").add("Keep-Alive", "timeout=5").add("Transfer-Encoding", "chunked")
        .add("Accept", "a").add("Accept", "b");
    Forwarding.stripHopByHop(out);
    assertEquals(2, out.getAll("Accept").size());
    assertEquals(java.util.Set.of("Accept"), out.names());
    Forwarding.addForwarded(out.add("X-Forwarded-For", "1.2.3.4"), "10.0.0.1", "http", "example.com");
    assertEquals("1.2.3.4, 10.0.0.1", out.get("X-Forwarded-For"));
    assertEquals("example.com", out.get("X-Forwarded-Host"));
  }

  @Test
  void connectionTokensMatchWholeNamesOnly() {
    assertTrue(Forwarding.isNamed("close, X-A", "x-a"));
    assertTrue(Forwarding.isNamed(" x-a ", "X-A"));
    assertFalse(Forwarding.isNamed("x-ab, close", "x-a"));
    assertFalse(Forwarding.isNamed("", "x-a"));
    HttpHeaders h = new DefaultHttpHeaders().add("Connection", "x-a").add("X-A", "1").add("X-Ab", "2");
    Forwarding.stripHopByHop(h);
    assertEquals(java.util.Set.of("X-Ab"), h.names());
  }
}
