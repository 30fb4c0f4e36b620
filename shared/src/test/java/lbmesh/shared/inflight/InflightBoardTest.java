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
}
