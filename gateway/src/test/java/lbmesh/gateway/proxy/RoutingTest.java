package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import lbmesh.demo.DemoBackend;
import lbmesh.gateway.GatewayHarness;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoutingTest {
  private final GatewayHarness h = new GatewayHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void routesByHostAndLongestPathPrefixElseDefault() throws Exception {
    DemoBackend web = h.backend();
    DemoBackend api = h.backend();
    DemoBackend admin = h.backend();
    h.start();
    h.defaultPool("round-robin", web);
    h.pool(Pool.defaults("api"));
    h.server("api", GatewayHarness.server(api, 1));
    h.pool(Pool.defaults("admin"));
    h.server("admin", GatewayHarness.server(admin, 1));
    h.route(new Route("api", null, "/api", "api", 0));
    h.route(new Route("api-admin", null, "/api/admin", "admin", 0));
    h.route(new Route("admin-host", "admin.example.com", "/", "admin", 0));
    h.awaitTable();

    assertEquals(web.id(), h.get("/index.html").header("X-LB-Server"));
    assertEquals(api.id(), h.get("/api/users").header("X-LB-Server"));
    assertEquals(admin.id(), h.get("/api/admin/x").header("X-LB-Server"), "longest prefix wins");
    assertEquals(admin.id(), h.request(HttpMethod.GET, "/anything", null, Map.of("Host", "admin.example.com:8080"))
        .header("X-LB-Server"), "a host route wins over path-only routes");
  }

  @Test
  void aMissedEventIsCaughtUpThroughASnapshot() throws Exception {
    DemoBackend a = h.backend();
    DemoBackend b = h.backend();
    h.start();
    h.defaultPool("round-robin", a);
    h.awaitTable();
    // change the registry without publishing (the missed event), make a second change, and publish only
    // that one: the gateway sees a gap. Both changes are in before the event goes out, so the snapshot the
    // gateway then asks for holds them both (publishing first raced the second change).
    h.silently(s -> s.withServer("default", GatewayHarness.server(b, 1)));
    h.silently(s -> s.withoutRoute("none"));
    h.vertx.eventBus().publish(Addresses.EVENTS, Event.of(EventType.ROUTE_REMOVED, "registry-test", "dc1",
        new JsonObject().put("name", "none")).withVersion(h.version()).toJson());
    h.awaitTable();
    assertEquals(2, h.gateway.state().table().pools().get("default").eligibleCount());
  }
}
