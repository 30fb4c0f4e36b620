package lbmesh.shared.launch;

import java.util.Map;

/** Typed reads of the LB_* environment, with the defaults written down once at each call site's constant. */
public final class Env {
  private final Map<String, String> vars;

  public Env(Map<String, String> vars) {
    this.vars = Map.copyOf(vars);
  }

  /** The process environment. */
  public static Env system() {
    return new Env(System.getenv());
  }

  /** The process environment with some variables replaced, for tests and in-JVM clusters. */
  public Env with(Map<String, String> overrides) {
    var merged = new java.util.HashMap<>(vars);
    merged.putAll(overrides);
    return new Env(merged);
  }

  public String get(String name, String fallback) {
    String v = vars.get(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  public String require(String name) {
    String v = get(name, null);
    if (v == null) {
      throw new IllegalStateException(name + " is not set");
    }
    return v;
  }

  public int getInt(String name, int fallback) {
    String v = get(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalStateException(name + " must be an integer, got '" + v + "'");
    }
  }

  public boolean getBoolean(String name, boolean fallback) {
    String v = get(name, null);
    return v == null ? fallback : Boolean.parseBoolean(v);
  }
}
