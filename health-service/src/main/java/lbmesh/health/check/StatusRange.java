package lbmesh.health.check;

/** An expected HTTP status range from a pool's {@code expectStatus}: {@code 200} or {@code 200-399}. */
record StatusRange(int low, int high) {

  static StatusRange parse(String spec) {
    String s = spec == null ? "" : spec.strip();
    int dash = s.indexOf('-');
    try {
      int low = Integer.parseInt(dash < 0 ? s : s.substring(0, dash).strip());
      int high = dash < 0 ? low : Integer.parseInt(s.substring(dash + 1).strip());
      if (low < 100 || high > 599 || low > high) {
        throw new IllegalArgumentException("expectStatus out of range: '" + spec + "'");
      }
      return new StatusRange(low, high);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expectStatus is not NNN or NNN-NNN: '" + spec + "'");
    }
  }

  boolean contains(int status) {
    return status >= low && status <= high;
  }
}
