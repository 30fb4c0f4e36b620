package lbmesh.shared.registry;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;
import java.util.logging.Logger;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.event.EventType;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.RegistrySnapshot;
import lbmesh.shared.model.Route;
import lbmesh.shared.model.Server;

/**
 * Keeps an up-to-date copy of the registry: the full snapshot at start, then each registry event
 * applied in version order; a gap (a missed or reordered event) triggers a resync through
 * {@code lb.registry.snapshot}. Hands every new state to `onState` (on this verticle's context).
 */
public final class RegistryFollower {
  private static final Logger LOG = Logger.getLogger(RegistryFollower.class.getName());
  static final long RETRY_MS = 1000;

  private final Vertx vertx;
  private final Consumer<RegistrySnapshot> onState;
  private RegistrySnapshot state;
  private boolean resyncing;

  public RegistryFollower(Vertx vertx, Consumer<RegistrySnapshot> onState) {
    this.vertx = vertx;
    this.onState = onState;
  }

  /** Subscribes and loads the first snapshot; completes once a snapshot is in (retrying every second). */
  public Future<Void> start() {
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, msg -> onEvent(Event.fromJson(msg.body())));
    Promise<Void> first = Promise.promise();
    resync(first);
    return first.future();
  }

  public RegistrySnapshot state() {
    return state;
  }

  private void onEvent(Event e) {
    EventType type = e.knownType();
    if (type == null || !type.isRegistryChange() || e.version() == null) {
      return;
    }
    if (state == null || resyncing || e.version() <= state.version()) {
      return;
    }
    if (e.version() != state.version() + 1) {
      LOG.info(() -> "registry version gap (have " + state.version() + ", got " + e.version() + "): resyncing");
      resync(null);
      return;
    }
    try {
      state = apply(state, type, e.data());
      onState.accept(state);
    } catch (RuntimeException ex) {
      LOG.warning(() -> "could not apply " + e.type() + " v" + e.version() + " (" + ex + "): resyncing");
      resync(null);
    }
  }

  /** Applies one registry event; the result has exactly the registry's next version. */
  public static RegistrySnapshot apply(RegistrySnapshot s, EventType type, JsonObject d) {
    return switch (type) {
      case POOL_UPDATED -> s.withPool(Pool.fromJson(d.getJsonObject("pool")));
      case POOL_REMOVED -> s.withoutPool(d.getString("name"));
      case SERVER_ADDED, SERVER_UPDATED -> s.withServer(d.getString("pool"), Server.fromJson(d.getJsonObject("server")));
      case SERVER_REMOVED -> s.withoutServer(d.getString("pool"), d.getString("id"));
      case ROUTE_UPDATED -> s.withRoute(Route.fromJson(d.getJsonObject("route")));
      case ROUTE_REMOVED -> s.withoutRoute(d.getString("name"));
      default -> s;
    };
  }

  private void resync(Promise<Void> first) {
    resyncing = true;
    vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_SNAPSHOT, null, new DeliveryOptions().setSendTimeout(5000))
        .onSuccess(msg -> {
          RegistrySnapshot s = RegistrySnapshot.fromJson(msg.body());
          resyncing = false;
          if (state == null || s.version() >= state.version()) {
            state = s;
            onState.accept(s);
          }
          if (first != null) {
            first.tryComplete();
          }
        })
        .onFailure(err -> {
          LOG.warning(() -> "registry snapshot unavailable (" + err.getMessage() + "); retrying in " + RETRY_MS + " ms");
          vertx.setTimer(RETRY_MS, id -> resync(first));
        });
  }
}
