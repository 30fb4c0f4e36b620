package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.model.Pool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pool setting {@code hash.includeQuery} reaches url-hash through the registry's pool document. */
class UrlHashQueryTest {
  static final int QUERIES = 40;

  private final GatewayHarness h = new GatewayHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private void urlHashPool(boolean includeQuery) {
    h.pool(Pool.fromJson(Pool.defaults(Pool.DEFAULT_POOL).toJson().put("algorithm", "url-hash")
        .put("hash", new JsonObject().put("includeQuery", includeQuery))));
  }

  /** Query i of path /a to the server that answered it, each asked twice to see it stays. */
  private Map<Integer, String> servers() throws Exception {
    Map<Integer, String> out = new HashMap<>();
    for (int q = 0; q < QUERIES; q++) {
      String first = h.get("/a?x=" + q).header("X-LB-Server");
      assertEquals(first, h.get("/a?x=" + q).header("X-LB-Server"), "query x=" + q + " stays on its server");
      out.put(q, first);
    }
    return out;
  }

  @Test
  void includeQuerySpreadsTheQueriesOfOnePathAndTurningItOffGathersThemOnOneServer() throws Exception {
    DemoBackend[] bs = {h.backend(), h.backend(), h.backend()};
    h.start();
    urlHashPool(true);
    for (DemoBackend b : bs) {
      h.server(Pool.DEFAULT_POOL, GatewayHarness.server(b, 1));
    }
    h.awaitTable();
    Set<String> spread = new HashSet<>(servers().values());
    assertEquals(3, spread.size(), QUERIES + " queries of /a over three servers: " + spread);

    // the same pool with the option off (a pool.updated event): every query of /a goes where /a goes
    urlHashPool(false);
    h.awaitTable();
    String pathServer = h.get("/a").header("X-LB-Server");
    Set<String> gathered = new HashSet<>(servers().values());
    assertEquals(Set.of(pathServer), gathered, "includeQuery=false keys on the path only");
  }

  @Test
  void byDefaultTheQueryIsNotPartOfTheKey() throws Exception {
    DemoBackend[] bs = {h.backend(), h.backend(), h.backend()};
    h.start();
    h.defaultPool("url-hash", bs);
    h.awaitTable();
    assertTrue(!h.gateway.state().table().pools().get(Pool.DEFAULT_POOL).pool().hash().includeQuery());
    assertEquals(1, new HashSet<>(servers().values()).size());
  }
}
