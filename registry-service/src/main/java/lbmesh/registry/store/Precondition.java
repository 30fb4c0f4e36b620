package lbmesh.registry.store;

/**
 * Conditional-request headers of a write: {@code If-Match} (the resource's ETag, or `*`) and
 * {@code If-None-Match: *} (create only). ETags are the resource's version: {@code "17"}.
 */
public record Precondition(String ifMatch, String ifNoneMatch) {
  public static final Precondition NONE = new Precondition(null, null);

  public static String etag(long version) {
    return "\"" + version + "\"";
  }

  /** Throws 412 unless the headers hold for a resource at `version` (null when it does not exist). */
  public void check(String what, Long version) {
    if (ifNoneMatch != null && ifNoneMatch.trim().equals("*") && version != null) {
      throw RegistryException.preconditionFailed(what + " already exists (If-None-Match: *)");
    }
    if (ifMatch == null) {
      return;
    }
    if (version == null) {
      throw RegistryException.preconditionFailed(what + " does not exist, so If-Match cannot hold");
    }
    for (String tag : ifMatch.split(",")) {
      String t = tag.trim();
      if (t.equals("*") || t.equals(etag(version)) || t.equals("W/" + etag(version))) {
        return;
      }
    }
    throw RegistryException.preconditionFailed(what + " is at version " + etag(version)
        + ", not " + ifMatch.trim() + ": someone changed it since you read it; GET it again");
  }
}
