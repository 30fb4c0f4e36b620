package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
  private final Deadlines deadlines = new Deadlines();
  private final List<String> expired = new ArrayList<>();

  private final class Named extends Deadlines.Entry {
    final String name;

    Named(String name) {
      this.name = name;
    }

    @Override
    void expire() {
      expired.add(name);
    }
  }

  @Test
  void onlyPassedDeadlinesExpireEachOnceAndDisarmedOnesNever() {
    Named a = new Named("a");
    Named b = new Named("b");
    Named c = new Named("c");
    deadlines.arm(a, 100);
    deadlines.arm(b, 300);
    deadlines.arm(c, 200);
    deadlines.disarm(c);
    assertEquals(2, deadlines.size());
    deadlines.sweep(99);
    assertEquals(List.of(), expired);
    deadlines.sweep(100);
    assertEquals(List.of("a"), expired);
    deadlines.sweep(1000);
    deadlines.sweep(2000);
    assertEquals(List.of("a", "b"), expired);
    assertEquals(0, deadlines.size());
  }

  @Test
  void rearmingMovesTheDeadlineWithoutADuplicateEntry() {
    Named a = new Named("a");
    deadlines.arm(a, 100);
    deadlines.arm(a, 500);
    assertEquals(1, deadlines.size());
    deadlines.sweep(400);
    assertEquals(List.of(), expired);
    deadlines.sweep(500);
    assertEquals(List.of("a"), expired);
  }

  @Test
  void anExpiryThatDisarmsAnotherEntryDoesNotBreakTheSweep() {
    Named victim = new Named("victim");
    Deadlines.Entry killer = new Deadlines.Entry() {
      @Override
      void expire() {
        expired.add("killer");
        deadlines.disarm(victim);
      }
    };
    Named late = new Named("late");
    deadlines.arm(killer, 10);
    deadlines.arm(victim, 10);
    deadlines.arm(late, 10);
    deadlines.sweep(10);
    assertEquals(List.of("killer", "late"), expired);
    assertEquals(0, deadlines.size());
  }
}
