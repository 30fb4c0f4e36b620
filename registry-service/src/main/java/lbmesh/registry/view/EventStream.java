package lbmesh.registry.view;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import lbmesh.shared.event.Addresses;

/**
 * {@code GET /events}: cluster events as Server-Sent Events ({@code id:} sequence, {@code event:} type,
 * {@code data:} the envelope). {@code ?type=health.*,member.*} filters; {@code Last-Event-ID} replays
 * from a short history. Written by hand: vertx-web 5.0 has no SSE server handler.
 *
 * <p>A client that cannot keep up is disconnected rather than buffered without bound; its browser
 * reconnects with Last-Event-ID and resumes from the history.
 */
public final class EventStream {
  static final int HISTORY = 512;
  static final long HEARTBEAT_MS = 15_000;

  private record Entry(long id, String type, String line) {
  }

  private record Client(HttpServerResponse response, Predicate<String> filter) {
  }

  private final Deque<Entry> history = new ArrayDeque<>();
  private final Set<Client> clients = ConcurrentHashMap.newKeySet();
  private long sequence;

  /** Subscribes to {@code lb.events}; call once, from the verticle's context. */
  public void start(Vertx vertx) {
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, msg -> onEvent(msg.body()));
    vertx.setPeriodic(HEARTBEAT_MS, id -> clients.forEach(c -> send(c, ": keep-alive\n\n")));
  }

  public int clientCount() {
    return clients.size();
  }

  private void onEvent(JsonObject envelope) {
    String type = envelope.getString("type", "unknown");
    Entry e = new Entry(++sequence, type, envelope.encode());
    history.addLast(e);
    if (history.size() > HISTORY) {
      history.removeFirst();
    }
    for (Client c : clients) {
      if (c.filter.test(type)) {
        send(c, frame(e));
      }
    }
  }

  public void handle(RoutingContext ctx) {
    Predicate<String> filter = filter(ctx.queryParam("type"));
    HttpServerResponse resp = ctx.response();
    resp.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    Client client = new Client(resp, filter);
    resp.write("retry: 2000\n\n");
    String last = ctx.request().getHeader("Last-Event-ID");
    if (last != null) {
      try {
        long from = Long.parseLong(last.trim());
        history.stream().filter(e -> e.id > from && filter.test(e.type)).forEach(e -> resp.write(frame(e)));
      } catch (NumberFormatException ignored) {
        // an id we never issued: no replay
      }
    }
    clients.add(client);
    resp.closeHandler(v -> clients.remove(client));
    ctx.request().connection().closeHandler(v -> clients.remove(client));
  }

  private void send(Client c, String text) {
    if (c.response.writeQueueFull()) {
      clients.remove(c);
      c.response.reset();
      return;
    }
    c.response.write(text);
  }

  private static String frame(Entry e) {
    return "id: " + e.id + "\nevent: " + e.type + "\ndata: " + e.line + "\n\n";
  }

  /** `health.*,member.joined` as a predicate on the event type; no parameter means every type. */
  static Predicate<String> filter(List<String> params) {
    if (params == null || params.isEmpty()) {
      return t -> true;
    }
    List<Pattern> patterns = params.stream()
        .flatMap(p -> Arrays.stream(p.split(",")))
        .map(String::trim).filter(s -> !s.isEmpty())
        .map(g -> Pattern.compile(Pattern.quote(g).replace("*", "\\E.*\\Q")))
        .toList();
    return t -> patterns.stream().anyMatch(p -> p.matcher(t).matches());
  }
}
