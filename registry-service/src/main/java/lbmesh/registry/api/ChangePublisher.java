package lbmesh.registry.api;

import io.vertx.core.Vertx;
import lbmesh.registry.store.Change;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;

/** Publishes the events of an accepted change on {@code lb.events}, stamped with the registry version. */
public final class ChangePublisher {
  private final Vertx vertx;
  private final String node;
  private final String dc;

  public ChangePublisher(Vertx vertx, String node, String dc) {
    this.vertx = vertx;
    this.node = node;
    this.dc = dc;
  }

  public void publish(Change c) {
    for (Change.Emitted e : c.events()) {
      Event event = Event.of(e.type(), node, dc, e.data()).withVersion(c.next().version());
      vertx.eventBus().publish(Addresses.EVENTS, event.toJson());
    }
  }
}
