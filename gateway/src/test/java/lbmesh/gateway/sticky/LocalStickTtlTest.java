package lbmesh.gateway.sticky;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stick-entry TTL on a gateway without a cluster ({@link LocalStickStore}, renewed on every hit). */
class LocalStickTtlTest {
  static final int TTL_SECONDS = 2;

  private final GatewayHarness h = new GatewayHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void anIdleClientsEntryExpiresAfterItsTtlWhileAnActiveClientKeepsItsServer() throws Exception {
    DemoBackend a = h.backend();
    DemoBackend b = h.backend();
    h.start();
    h.pool(StickTtlScenario.pool(TTL_SECONDS));
    h.server(Pool.DEFAULT_POOL, GatewayHarness.server(a, 1));
    h.server(Pool.DEFAULT_POOL, GatewayHarness.server(b, 1));
    h.awaitTable();
    assertTrue(h.gateway.state().stickStore() instanceof LocalStickStore);
    StickTtlScenario.Gateway g = new StickTtlScenario.Gateway() {
      @Override
      public String get(String client) throws Exception {
        GatewayHarness.Reply r = h.request(io.vertx.core.http.HttpMethod.GET, "/", null,
            Map.of(StickTtlScenario.HEADER, client));
        assertEquals(200, r.status());
        return r.header("X-LB-Server");
      }

      @Override
      public String entry(String client) throws Exception {
        return h.gateway.state().stickStore().get(Pool.DEFAULT_POOL, client).await(5, TimeUnit.SECONDS);
      }

      @Override
      public String tableEntry(String client) throws Exception {
        return entry(client);
      }

      @Override
      public void drain(String server) {
        DemoBackend d = server.equals(a.id()) ? a : b;
        h.server(Pool.DEFAULT_POOL, Server.fromJson(GatewayHarness.server(d, 1).toJson().put("state", "drain")));
        h.awaitTable();
      }
    };
    var result = StickTtlScenario.run(g, 3L * TTL_SECONDS * 1000, true);
    // the local store keeps exact time: the idle entry goes one TTL after its last use, not before
    assertTrue(result.gatewayGoneMs() >= TTL_SECONDS * 1000L - 50 && result.gatewayGoneMs() <= TTL_SECONDS * 1000L
        + 2 * StickTtlScenario.THINK_MS, "gone after " + result.gatewayGoneMs() + " ms");
  }
}
