package lbmesh.registry.store;

import io.vertx.core.json.JsonObject;
import java.util.List;
import lbmesh.shared.event.EventType;
import lbmesh.shared.model.RegistrySnapshot;

/**
 * The outcome of one accepted write: the new state, the events it publishes (type and data), and the
 * resource to answer with.
 */
public record Change(RegistrySnapshot next, List<Emitted> events, JsonObject resource, boolean created) {

  /** One event a change publishes; the envelope is filled in by the publisher. */
  public record Emitted(EventType type, JsonObject data) {
  }

  public static Change of(RegistrySnapshot next, EventType type, JsonObject data, JsonObject resource,
      boolean created) {
    return new Change(next, List.of(new Emitted(type, data)), resource, created);
  }
}
