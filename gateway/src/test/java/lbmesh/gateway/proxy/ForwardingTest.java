package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
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
  void copyDropsHopByHopAndConnectionNamedHeadersKeepsRepeatsAndAppendsForwardedFor() {
    MultiMap in = HttpHeaders.headers().add("Connection", "keep-alive, X-Secret").add("X-Secret", "s")
        .add("Keep-Alive", "timeout=5").add("Transfer-Encoding", "chunked").add("Accept", "a").add("Accept", "b");
    MultiMap out = HttpHeaders.headers();
    Forwarding.copyEndToEnd(in, out);
    assertEquals(2, out.getAll("Accept").size());
    assertEquals(java.util.Set.of("Accept"), out.names());
    Forwarding.addForwarded(out.add("X-Forwarded-For", "1.2.3.4"), "10.0.0.1", "http", "example.com");
    assertEquals("1.2.3.4, 10.0.0.1", out.get("X-Forwarded-For"));
    assertEquals("example.com", out.get("X-Forwarded-Host"));
  }
}
