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

  public StandInRegistry(Vertx vertx) {
    this.vertx = vertx;
    vertx.eventBus().<JsonObject>consumer(Addresses.REGISTRY_SNAPSHOT, m -> m.reply(snapshot().toJson()));
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
