package lbmesh.shared.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.cluster.Member;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/** The deadline with a join grace that {@link HeartbeatDetector} puts in Hazelcast's heartbeat manager. */
class HeartbeatDetectorTest {
  private static final long TIMEOUT = 2_000;
  private static final long GRACE_TIMEOUT = 10_000;
  private static final long GRACE = 30_000;
  private final java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();
  /** The latest time the detector checked a member (Hazelcast checks every tick; a gap is a pause). */
  private long checked;

  /** A detector on the test's clock with a join grace of `graceMs`. */
  private HeartbeatDetector detector(long graceMs) {
    return new HeartbeatDetector(TIMEOUT, GRACE_TIMEOUT, graceMs, clock::get);
  }

  /** Whether `d` finds `m` alive at `t`, having checked every tick since the previous check, as Hazelcast does. */
  private boolean aliveAt(HeartbeatDetector d, Member m, long t) {
    for (long x = checked + HeartbeatDetector.CHECK_MS; x < t; x += HeartbeatDetector.CHECK_MS) {
      d.isAlive(m, x);
    }
    checked = t;
    return d.isAlive(m, t);
  }

  /** A member that is equal only to itself (all the detector needs of one). */
  private static Member member(String name) {
    return (Member) Proxy.newProxyInstance(Member.class.getClassLoader(), new Class<?>[] {Member.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "equals" -> proxy == args[0];
          case "hashCode" -> System.identityHashCode(proxy);
          case "toString" -> name;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  @Test
  void withinTheGraceOfAJoinASilentMemberHasTheStartUpTimeout() {
    HeartbeatDetector d = detector(GRACE);
    Member m = member("m");
    d.heartbeat(m, 1_000);
    assertTrue(aliveAt(d, m, 1_000 + 9_000), "9 s of silence within the grace");
    assertFalse(aliveAt(d, m, 1_000 + 10_001), "past the start-up timeout");
  }

  @Test
  void onceTheClusterIsCalmTheShortTimeoutApplies() {
    HeartbeatDetector d = detector(GRACE);
    Member m = member("m");
    d.heartbeat(m, 1_000);
    long calm = 1_000 + GRACE;
    d.heartbeat(m, calm);
    assertTrue(aliveAt(d, m, calm + TIMEOUT), "silent for exactly the timeout");
    assertFalse(aliveAt(d, m, calm + TIMEOUT + 1), "silent for longer");
    assertEquals(calm, d.lastHeartbeat(m));
    assertTrue(d.suspicionLevel(m, calm + TIMEOUT + 1) > 1.0);
  }

  @Test
  void aNewMembersFirstHeartbeatStartsTheGraceForEveryone() {
    HeartbeatDetector d = detector(GRACE);
    Member old = member("old");
    d.heartbeat(old, 0);
    long calm = GRACE + 5_000;
    d.heartbeat(old, calm);
    d.heartbeat(member("new"), calm + 100);
    // the machine is busy with the newcomer's start: the old member may miss heartbeats too
    assertTrue(aliveAt(d, old, calm + 5_000));
    assertFalse(aliveAt(d, old, calm + 100 + GRACE + TIMEOUT + 1), "the grace ends " + GRACE + " ms after the join");
  }

  @Test
  void aRemovalGivesTheSurvivorsAShortGraceOnly() {
    HeartbeatDetector d = detector(GRACE);
    Member a = member("a");
    Member b = member("b");
    d.heartbeat(a, 0);
    d.heartbeat(b, 0);
    long calm = GRACE + 1_000;
    d.heartbeat(a, calm);
    assertFalse(aliveAt(d, b, calm), "b silent since 0, in a calm cluster");
    clock.set(calm);
    d.remove(b);
    // a survivor busy taking over b's partitions for 4.5 s is not dropped as well
    assertTrue(aliveAt(d, a, calm + 4_500));
    // but a second failure soon after is seen in seconds, not after the start-up timeout
    long later = calm + HeartbeatDetector.REMOVAL_GRACE_MS;
    d.heartbeat(a, later);
    assertTrue(aliveAt(d, a, later + TIMEOUT));
    assertFalse(aliveAt(d, a, later + TIMEOUT + HeartbeatDetector.CHECK_MS));
  }

  @Test
  void afterAPauseOfItsOwnAMemberSuspectsNoOne() {
    HeartbeatDetector d = detector(GRACE);
    Member m = member("m");
    d.heartbeat(m, 0);
    long calm = GRACE + 1_000;
    d.heartbeat(m, calm);
    assertTrue(d.isAlive(m, calm + 200));
    // this member is stopped for 2.5 s: its next check finds m silent for longer than the timeout
    assertTrue(d.isAlive(m, calm + 2_700), "stale, not silent: the others count as heard from now");
    assertTrue(d.isAlive(m, calm + 2_700 + TIMEOUT + 500), "and the grace applies after the pause");
  }

  @Test
  void aMemberNotHeardFromIsGivenTimeFromWhenItIsFirstChecked() {
    HeartbeatDetector d = detector(0);
    Member m = member("m");
    checked = 50_000 - HeartbeatDetector.CHECK_MS;
    assertTrue(aliveAt(d, m, 50_000), "first check: its clock starts now");
    assertTrue(aliveAt(d, m, 50_000 + TIMEOUT));
    assertFalse(aliveAt(d, m, 50_000 + TIMEOUT + 1));
  }

  @Test
  void aResetForgetsEveryMemberAndGrantsTheGraceAgain() {
    HeartbeatDetector d = detector(GRACE);
    Member m = member("m");
    d.heartbeat(m, 0);
    clock.set(100_000);
    d.reset();
    checked = 100_000;
    assertEquals(0L, d.lastHeartbeat(m));
    assertTrue(aliveAt(d, m, 100_000 + 9_000), "a merge or rejoin is a change: its clock starts again");
  }
}
