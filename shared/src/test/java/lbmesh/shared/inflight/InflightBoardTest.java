package lbmesh.shared.inflight;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InflightBoardTest {
  private final Map<String, Integer> seen = new HashMap<>();
  private final InflightBoard board = new InflightBoard("me", seen::put);

  private static InflightReport report(String g, long seq, boolean full, Map<String, Integer> c) {
    return new InflightReport(g, "dc1", seq, full, 100, c);
  }

  @Test
  void sumsOtherGatewaysAppliesDeltasAndIgnoresItsOwnReports() {
    board.accept(report("a", 0, true, Map.of("p/s1", 3, "p/s2", 1)), 0);
    board.accept(report("b", 0, true, Map.of("p/s1", 2)), 0);
    board.accept(report("me", 0, true, Map.of("p/s1", 50)), 0);
    assertEquals(5, board.total("p/s1"));
    assertEquals(Map.of("a", 3, "b", 2), board.byGateway("p/s1"));
    board.accept(report("a", 1, false, Map.of("p/s1", 0, "p/s2", 4)), 50);
    assertEquals(2, board.total("p/s1"));
    assertEquals(4, board.total("p/s2"));
    assertEquals(4, seen.get("p/s2"), "listeners hear each change");
  }

  @Test
  void aMissedDeltaIsIgnoredUntilTheNextFullTable() {
    board.accept(report("a", 0, true, Map.of("p/s1", 3)), 0);
    board.accept(report("a", 2, false, Map.of("p/s1", 9)), 10);
    assertEquals(3, board.total("p/s1"), "seq 1 was lost: the delta cannot be trusted");
    board.accept(report("a", 3, false, Map.of("p/s1", 8)), 20);
    assertEquals(3, board.total("p/s1"));
    board.accept(report("a", 10, true, Map.of("p/s1", 7)), 30);
    assertEquals(7, board.total("p/s1"));
  }

  @Test
  void aSilentOrDepartedGatewayStopsCounting() {
    board.accept(report("a", 0, true, Map.of("p/s1", 3)), 0);
    board.accept(report("b", 0, true, Map.of("p/s1", 2)), 0);
    board.expire(300);
    assertEquals(5, board.total("p/s1"), "three intervals have not passed");
    board.accept(report("b", 1, false, Map.of()), 250);
    board.expire(301);
    assertEquals(2, board.total("p/s1"), "a missed three intervals");
    board.drop("b");
    assertEquals(0, board.total("p/s1"));
    assertEquals(0, seen.get("p/s1"));
  }

  @Test
  void requestRatesComeFromTwoFullReportsAndAreSummedOverGateways() {
    board.accept(new InflightReport("a", "dc1", 0, true, 100, Map.of(), Map.of("p/s1", 100L)), 1000);
    board.accept(new InflightReport("b", "dc1", 0, true, 100, Map.of(), Map.of("p/s1", 50L)), 1000);
    board.accept(new InflightReport("me", "dc1", 0, true, 100, Map.of(), Map.of("p/s1", 9L)), 1000);
    assertEquals(null, board.rps("p/s1"), "one report gives no rate");
    board.accept(new InflightReport("a", "dc1", 10, true, 100, Map.of(), Map.of("p/s1", 600L)), 2000);
    assertEquals(500.0, board.rps("p/s1"), 1e-9);
    board.accept(new InflightReport("b", "dc1", 10, true, 100, Map.of(), Map.of("p/s1", 250L, "p/s2", 7L)), 2000);
    assertEquals(700.0, board.rps("p/s1"), 1e-9, "a's 500/s and b's 200/s; its own reports do not count");
    assertEquals(0.0, board.rps("p/s2"), 1e-9, "new in b's totals: a rate from its next report on");
    board.accept(new InflightReport("me", "dc1", 10, true, 100, Map.of(), Map.of("p/s1", 99999L)), 2000);
    assertEquals(700.0, board.rps("p/s1"), 1e-9);
    board.drop("a");
    assertEquals(200.0, board.rps("p/s1"), 1e-9, "a gateway that left takes its rate along");
  }

  @Test
  void requestTotalsTravelInTheWireForm() {
    InflightReport r = new InflightReport("a", "dc1", 3, true, 100, Map.of("p/s1", 2), Map.of("p/s1", 12345678901L));
    assertEquals(r, InflightReport.fromJson(r.toJson()));
    InflightReport delta = new InflightReport("a", "dc1", 4, false, 100, Map.of("p/s1", 1));
    assertEquals(false, delta.toJson().containsKey("q"), "deltas carry no totals");
  }
}
