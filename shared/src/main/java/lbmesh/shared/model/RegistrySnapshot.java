package lbmesh.shared.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The registry's whole state at one version: pools with their servers, and routes. Immutable; each
 * change makes a new snapshot with the version bumped by one.
 */
public record RegistrySnapshot(long version, SortedMap<String, PoolEntry> pools, SortedMap<String, Route> routes) {

  /** A pool's settings with its servers, by id. */
  public record PoolEntry(Pool pool, SortedMap<String, Server> servers) {
    public PoolEntry {
      servers = Collections.unmodifiableSortedMap(new TreeMap<>(servers));
    }

    public JsonObject toJson() {
      JsonArray s = new JsonArray();
      servers.values().forEach(v -> s.add(v.toJson()));
      return pool.toJson().put("servers", s);
    }

    static PoolEntry fromJson(JsonObject j) {
      SortedMap<String, Server> servers = new TreeMap<>();
      JsonArray arr = j.getJsonArray("servers", new JsonArray());
      for (int i = 0; i < arr.size(); i++) {
        Server s = Server.fromJson(arr.getJsonObject(i));
        servers.put(s.id(), s);
      }
      JsonObject p = j.copy();
      p.remove("servers");
      return new PoolEntry(Pool.fromJson(p), servers);
    }
  }

  public static final RegistrySnapshot EMPTY = new RegistrySnapshot(0, new TreeMap<>(), new TreeMap<>());

  public RegistrySnapshot {
    pools = Collections.unmodifiableSortedMap(new TreeMap<>(pools));
    routes = Collections.unmodifiableSortedMap(new TreeMap<>(routes));
  }

  public PoolEntry pool(String name) {
    return pools.get(name);
  }

  public RegistrySnapshot withPool(Pool p) {
    long v = version + 1;
    SortedMap<String, PoolEntry> next = new TreeMap<>(pools);
    PoolEntry old = pools.get(p.name());
    next.put(p.name(), new PoolEntry(p.withVersion(v), old == null ? new TreeMap<>() : old.servers()));
    return new RegistrySnapshot(v, next, routes);
  }

  public RegistrySnapshot withoutPool(String name) {
    SortedMap<String, PoolEntry> next = new TreeMap<>(pools);
    next.remove(name);
    return new RegistrySnapshot(version + 1, next, routes);
  }

  /** Adds or replaces a server; the pool must exist. */
  public RegistrySnapshot withServer(String pool, Server s) {
    long v = version + 1;
    PoolEntry e = pools.get(pool);
    SortedMap<String, Server> servers = new TreeMap<>(e.servers());
    servers.put(s.id(), s.withVersion(v));
    SortedMap<String, PoolEntry> next = new TreeMap<>(pools);
    next.put(pool, new PoolEntry(e.pool(), servers));
    return new RegistrySnapshot(v, next, routes);
  }

  public RegistrySnapshot withoutServer(String pool, String id) {
    PoolEntry e = pools.get(pool);
    SortedMap<String, Server> servers = new TreeMap<>(e.servers());
    servers.remove(id);
    SortedMap<String, PoolEntry> next = new TreeMap<>(pools);
    next.put(pool, new PoolEntry(e.pool(), servers));
    return new RegistrySnapshot(version + 1, next, routes);
  }

  public RegistrySnapshot withRoute(Route r) {
    long v = version + 1;
    SortedMap<String, Route> next = new TreeMap<>(routes);
    next.put(r.name(), r.withVersion(v));
    return new RegistrySnapshot(v, pools, next);
  }

  public RegistrySnapshot withoutRoute(String name) {
    SortedMap<String, Route> next = new TreeMap<>(routes);
    next.remove(name);
    return new RegistrySnapshot(version + 1, pools, next);
  }

  public JsonObject toJson() {
    JsonArray p = new JsonArray();
    pools.values().forEach(e -> p.add(e.toJson()));
    JsonArray r = new JsonArray();
    routes.values().forEach(x -> r.add(x.toJson()));
    return new JsonObject().put("version", version).put("pools", p).put("routes", r);
  }

  public static RegistrySnapshot fromJson(JsonObject j) {
    SortedMap<String, PoolEntry> pools = new TreeMap<>();
    JsonArray p = j.getJsonArray("pools", new JsonArray());
    for (int i = 0; i < p.size(); i++) {
      PoolEntry e = PoolEntry.fromJson(p.getJsonObject(i));
      pools.put(e.pool().name(), e);
    }
    SortedMap<String, Route> routes = new TreeMap<>();
    JsonArray r = j.getJsonArray("routes", new JsonArray());
    for (int i = 0; i < r.size(); i++) {
      Route x = Route.fromJson(r.getJsonObject(i));
      routes.put(x.name(), x);
    }
    return new RegistrySnapshot(j.getLong("version", 0L), pools, routes);
  }

  /** Total servers over all pools. */
  public int serverCount() {
    return pools.values().stream().mapToInt(e -> e.servers().size()).sum();
  }

}
