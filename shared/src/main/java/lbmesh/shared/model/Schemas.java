package lbmesh.shared.model;

import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JSON Schemas of the model (resources {@code lbmesh/schema/*.json}), the single definition of what
 * a valid pool, server, route or load report is; validated with vertx-json-schema.
 */
public final class Schemas {
  public static final Validator POOL = load("pool");
  public static final Validator SERVER = load("server");
  public static final Validator ROUTE = load("route");
  public static final Validator LOAD = load("load");

  // the name of a missing required property is only in the message text
  private static final Pattern QUOTED = Pattern.compile("[\"']([^\"']+)[\"']");

  private Schemas() {
  }

  /** Field errors of `doc` against `schema`, one per field, leaf messages first; empty when valid. */
  public static List<FieldError> validate(Validator schema, Object doc) {
    OutputUnit out = schema.validate(doc);
    if (Boolean.TRUE.equals(out.getValid())) {
      return List.of();
    }
    List<OutputUnit> units = out.getErrors() == null || out.getErrors().isEmpty() ? List.of(out) : out.getErrors();
    // vertx-json-schema reports each failing leaf plus wrappers ("properties", "additionalProperties")
    // at the same location; group by location and keep the most specific message.
    Map<String, List<OutputUnit>> byLocation = new LinkedHashMap<>();
    for (OutputUnit u : units) {
      String loc = u.getInstanceLocation() == null ? "" : u.getInstanceLocation();
      byLocation.computeIfAbsent(loc, k -> new ArrayList<>()).add(u);
    }
    List<FieldError> errors = new ArrayList<>();
    byLocation.forEach((loc, list) -> {
      String field = pointerToField(loc);
      List<OutputUnit> leaves = list.stream().filter(u -> !isWrapper(u)).toList();
      if (!leaves.isEmpty()) {
        for (OutputUnit u : leaves) {
          FieldError e = leafError(field, u);
          if (errors.stream().noneMatch(x -> x.field().equals(e.field()))) {
            errors.add(e);
          }
        }
      } else if (byLocation.keySet().stream().anyMatch(other -> other.startsWith(loc + "/"))) {
        // a wrapper of deeper errors, which are reported on their own
      } else if (list.stream().anyMatch(u -> keyword(u).endsWith("additionalProperties"))) {
        errors.add(new FieldError(field, "unknown field"));
      } else {
        // only a wrapper error and no deeper one: its own message is the best there is
        errors.add(new FieldError(field.isEmpty() ? "(body)" : field, list.get(0).getError()));
      }
    });
    return errors;
  }

  /** Throws {@link InvalidModelException} unless `doc` is valid. */
  public static void check(Validator schema, JsonObject doc) {
    List<FieldError> errors = validate(schema, doc);
    if (!errors.isEmpty()) {
      throw new InvalidModelException(errors);
    }
  }

  private static String keyword(OutputUnit u) {
    return u.getKeywordLocation() == null ? "" : u.getKeywordLocation();
  }

  private static boolean isWrapper(OutputUnit u) {
    String k = keyword(u);
    return k.endsWith("/properties") || k.endsWith("additionalProperties") || k.endsWith("/then")
        || k.endsWith("/if") || k.endsWith("/allOf") || k.equals("#");
  }

  private static FieldError leafError(String field, OutputUnit u) {
    String message = u.getError() == null ? "invalid" : u.getError();
    if (keyword(u).endsWith("/required")) {
      Matcher m = QUOTED.matcher(message);
      if (m.find()) {
        return new FieldError(field.isEmpty() ? m.group(1) : field + "." + m.group(1), "is required");
      }
    }
    return new FieldError(field.isEmpty() ? "(body)" : field, message);
  }

  /** "/healthCheck/intervalMs" or "#/healthCheck/intervalMs" becomes "healthCheck.intervalMs". */
  static String pointerToField(String pointer) {
    String p = pointer.startsWith("#") ? pointer.substring(1) : pointer;
    if (p.startsWith("/")) {
      p = p.substring(1);
    }
    return p.replace("/", ".").replace("~1", "/").replace("~0", "~");
  }

  private static Validator load(String name) {
    String path = "/lbmesh/schema/" + name + ".json";
    try (InputStream in = Schemas.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing schema resource " + path);
      }
      JsonObject schema = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      return Validator.create(
          JsonSchema.of(schema),
          new JsonSchemaOptions()
              .setDraft(Draft.DRAFT202012)
              .setBaseUri("https://lbmesh.local/schema/")
              .setOutputFormat(OutputFormat.Basic));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
