package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  private final AtomicLong clock = new AtomicLong(1_000_000);

  private int retriesAllowed(RetryBudget b) {
    int n = 0;
    while (b.tryRetry()) {
      n++;
    }
    return n;
  }

  @Test
  void retriesAreBoundedByTwentyPercentOfRequestsPlusTheFloor() {
    RetryBudget b = new RetryBudget(20, 10, clock::get);
    assertEquals(10, retriesAllowed(b), "the floor allows 10 at once");
    for (int i = 0; i < 400; i++) {
      b.requestStarted();
    }
    assertEquals(80, retriesAllowed(b), "400 requests fund 80 retries");
    assertFalse(b.tryRetry());
  }

  @Test
  void theFloorRefillsWithTimeButNotBeyondOneSecondsWorth() {
    RetryBudget b = new RetryBudget(20, 10, clock::get);
    retriesAllowed(b);
    clock.addAndGet(500);
    assertEquals(5, retriesAllowed(b));
    clock.addAndGet(60_000);
    assertEquals(10, retriesAllowed(b));
  }

  @Test
  void savingsAreCapped() {
    RetryBudget b = new RetryBudget(20, 10, clock::get);
    for (int i = 0; i < 1_000_000; i++) {
      b.requestStarted();
    }
    int allowed = retriesAllowed(b);
    assertTrue(allowed <= 110, "a quiet-then-failing pool cannot spend a huge saved budget: " + allowed);
  }
}
