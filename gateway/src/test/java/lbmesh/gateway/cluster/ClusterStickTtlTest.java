package lbmesh.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.sticky.ClusterStickStore;
import lbmesh.gateway.sticky.StickTtlScenario;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import lbmesh.shared.sticky.StickValue;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.Test;

/**
 * Stick-entry TTL in the cluster's stick table ({@link ClusterStickStore}): hits are served from the
 * gateway's near cache and never reach the entry's owner, so only the gateway's periodic renewal sweep
 * keeps an active client's entry, and an idle one must still expire.
 */
class ClusterStickTtlTest {

  /** Runs the scenario on one clustered gateway (plus the stand-in registry member, which reads the table). */
  private static StickTtlScenario.Result scenario(int ttlSeconds, long activeMs, boolean idleRedispatched)
      throws Exception {
    try (MeshHarness m = new MeshHarness().startRegistry("dc1")) {
      DemoBackend a = m.backend();
      DemoBackend b = m.backend();
      MeshHarness.Gateway g = m.gateway("dc1", 100);
      m.pool(StickTtlScenario.pool(ttlSeconds));
      m.server(Pool.DEFAULT_POOL, MeshHarness.server(a, "dc1", Server.State.READY, 0));
      m.server(Pool.DEFAULT_POOL, MeshHarness.server(b, "dc1", Server.State.READY, 0));
      m.awaitTables();
      assertTrue(g.verticle().state().stickStore() instanceof ClusterStickStore);
      var table = TestCluster.hz(m.registry).<String, String>getMap(Addresses.STICK_MAP_PREFIX + Pool.DEFAULT_POOL);
      return StickTtlScenario.run(new StickTtlScenario.Gateway() {
        @Override
        public String get(String client) throws Exception {
          MeshHarness.Reply r = m.getNow(g, "/", Map.of(StickTtlScenario.HEADER, client));
          assertEquals(200, r.status());
          return r.server();
        }

        @Override
        public String entry(String client) throws Exception {
          return g.verticle().state().stickStore().get(Pool.DEFAULT_POOL, client).await(5, TimeUnit.SECONDS);
        }

        @Override
        public String tableEntry(String client) {
          // an entry view is read on the key's owner, never from a near cache
          var view = table.getEntryView(client);
          return view == null ? null : StickValue.liveServer(view.getValue(), System.currentTimeMillis());
        }

        @Override
        public void drain(String server) {
          m.server(Pool.DEFAULT_POOL, MeshHarness.server(server.equals(a.id()) ? a : b, "dc1", Server.State.DRAIN, 0));
          m.awaitTables();
        }
      }, activeMs, idleRedispatched);
    }
  }

  @Test
  void theRenewalSweepKeepsAnActiveClientPastItsTtlWhileAnIdleClientsEntryLeavesTheTable() throws Exception {
    int ttl = 4;
    var r = scenario(ttl, 2L * ttl * 1000 + 1000, false);
    // Hazelcast keeps entry times in whole seconds (an entry may go up to 1 s early), and the idle
    // client's last hit is renewed by the next sweep (up to 2 s later)
    assertTrue(r.tableGoneMs() >= (ttl - 1) * 1000L && r.tableGoneMs() <= ttl * 1000L + 3000,
        "idle entry gone after " + r.tableGoneMs() + " ms");
  }

  /** The near cache is not invalidated by an expiry on the owner: the expiry in the value is checked. */
  @Test
  void anIdleClientIsRedispatchedAsNewOnceItsEntryExpired() throws Exception {
    scenario(4, 12_000, true);
  }

  /** Hazelcast keeps entry times in whole seconds: the sweep must come well inside a short TTL. */
  @Test
  void theRenewalSweepKeepsAnActiveClientAtATwoSecondTtl() throws Exception {
    scenario(2, 6_000, false);
  }
}
