package lbmesh.gateway.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/** Each usable server in turn, weights ignored. Lock-free: one shared atomic cursor. */
public final class RoundRobin implements Balancer {

  private final int size;
  private final AtomicLong cursor = new AtomicLong();

  public RoundRobin(List<BalancedServer> servers) {
    this.size = servers.size();
  }

  @Override
  public int pick(PickRequest request, IntPredicate usable) {
    if (size == 0) {
      return -1;
    }
    long turn = cursor.getAndIncrement();
    int start = (int) (turn % size);
    for (int step = 0; step < size; step++) {
      int index = start + step < size ? start + step : start + step - size;
      if (usable.test(index)) {
        if (step > 0) {
          // Hand the skipped turns over once, not on every lap: without moving the cursor past the
          // server we landed on, the server after an unusable one would get two turns per lap.
          // A failed CAS only means another pick moved on meanwhile; evenness stays approximate then.
          cursor.compareAndSet(turn + 1, turn + 1 + step);
        }
        return index;
      }
    }
    return -1;
  }

  @Override
  public int size() {
    return size;
  }
}
