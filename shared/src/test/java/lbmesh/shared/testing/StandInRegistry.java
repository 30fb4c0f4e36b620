package lbmesh.shared.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.RegistrySnapshot;
import lbmesh.shared.model.Server;

/**
 * Plays registry-service on a cluster member for other services' tests: answers
 * {@code lb.registry.snapshot} and publishes each change on {@code lb.events} with its version.
 */
public final class StandInRegistry {
  private final Vertx vertx;
  private RegistrySnapshot state = RegistrySnapshot.EMPTY;
  private io.vertx.core.eventbus.MessageConsumer<JsonObject> answering;

  public StandInRegistry(Vertx vertx) {
    this.vertx = vertx;
    up();
  }

  /** Answers snapshot requests (the default). */
  public void up() {
    answering = vertx.eventBus().consumer(Addresses.REGISTRY_SNAPSHOT, m -> m.reply(snapshot().toJson()));
  }

  /** Stops answering snapshot requests, as when registry-service is down. */
  public void down() {
    answering.unregister().await();
  }

  public synchronized long version() {
    return state.version();
  }

  public synchronized void route(lbmesh.shared.model.Route r) {
    state = state.withRoute(r);
    publish(EventType.ROUTE_UPDATED, new JsonObject().put("route", state.routes().get(r.name()).toJson()));
  }

  public synchronized void removeServer(String pool, String id) {
    state = state.withoutServer(pool, id);
    publish(EventType.SERVER_REMOVED, new JsonObject().put("pool", pool).put("id", id));
  }

  /** Changes the state without publishing an event (so that followers see a version gap). */
  public synchronized void silently(java.util.function.UnaryOperator<RegistrySnapshot> change) {
    state = change.apply(state);
  }

  public synchronized RegistrySnapshot snapshot() {
    return state;
  }

  public synchronized void pool(Pool p) {
    state = state.withPool(p);
    publish(EventType.POOL_UPDATED, new JsonObject().put("pool", state.pool(p.name()).pool().toJson()));
  }

  public synchronized void server(String pool, Server s) {
    boolean added = state.pool(pool).servers().get(s.id()) == null;
    state = state.withServer(pool, s);
    publish(added ? EventType.SERVER_ADDED : EventType.SERVER_UPDATED,
        new JsonObject().put("pool", pool).put("server", state.pool(pool).servers().get(s.id()).toJson()));
  }

  private void publish(EventType type, JsonObject data) {
    vertx.eventBus().publish(Addresses.EVENTS, Event.of(type, "registry-test", "dc1", data)
        .withVersion(state.version()).toJson());
  }
}
