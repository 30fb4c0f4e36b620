package lbmesh.health.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import lbmesh.health.check.AgentReply;
import lbmesh.health.check.ProbeResult;
import lbmesh.health.state.ServerHealth.Status;
import lbmesh.health.state.Transition.Kind;
import lbmesh.shared.health.HealthRecord;
import lbmesh.shared.model.Pool;
import lbmesh.shared.model.Server;
import org.junit.jupiter.api.Test;

class ServerHealthTest {
  // rise 2, fall 3; interval 2000, fast 500, down 4000; no jitter unless a test asks for it
  private static final Pool.HealthCheck CFG = cfg(0);
  private static final RandomGenerator NO_RANDOM = new SplittableRandom(1);

  private static Pool.HealthCheck cfg(int jitterPercent) {
    return new Pool.HealthCheck("http", "GET", "/health", "200-399", null, 2000, 1000, 2, 3, 500, 4000,
        jitterPercent);
  }

  private static ProbeResult ok() {
    return ProbeResult.passed("status 200", 1);
  }

  private static ProbeResult fail(String reason) {
    return ProbeResult.failed(reason, 1);
  }

  private static ProbeResult agent(String line) {
    return ProbeResult.agent(AgentReply.parse(line), 1);
  }

  private static ProbeResult unreachable() {
    return ProbeResult.agentUnreachable("connection refused", 1);
  }

  private long now = 1_000;

  private Transition feed(ServerHealth h, ProbeResult r) {
    now += 100;
    return h.onResult(r, now);
  }

  private ServerHealth upServer() {
    ServerHealth h = new ServerHealth(CFG, now);
    feed(h, ok());
    feed(h, ok());
    assertEquals(Status.UP, h.status());
    return h;
  }

  private ServerHealth downServer() {
    ServerHealth h = upServer();
    feed(h, fail("timeout"));
    feed(h, fail("timeout"));
    feed(h, fail("timeout"));
    assertEquals(Status.DOWN, h.status());
    return h;
  }

  @Test
  void startsUnknownAndComesUpAfterRiseSuccesses() {
    ServerHealth h = new ServerHealth(CFG, now);
    assertEquals(Status.UNKNOWN, h.status());
    assertEquals("unknown", h.status().wire());
    assertEquals(Kind.NONE, feed(h, ok()).kind());
    assertEquals(Status.UNKNOWN, h.status(), "one success is not yet a verdict");
    Transition t = feed(h, ok());
    assertEquals(Kind.UP, t.kind());
    assertEquals(Status.UNKNOWN, t.from());
    assertFalse(t.recovery(), "a first verdict is no recovery: no slow start");
    assertEquals(now, h.since());
  }

  @Test
  void firstVerdictDownTakesFallFailures() {
    ServerHealth h = new ServerHealth(CFG, now);
    assertEquals(Kind.NONE, feed(h, fail("connection refused")).kind());
    assertEquals(Kind.NONE, feed(h, fail("connection refused")).kind());
    Transition t = feed(h, fail("connection refused"));
    assertEquals(Kind.DOWN, t.kind());
    assertEquals("connection refused", t.reason());
    assertEquals(Status.DOWN, h.status());
  }

  @Test
  void upServerGoesDownOnlyAfterFallConsecutiveFailures() {
    ServerHealth h = upServer();
    feed(h, fail("status 503"));
    feed(h, fail("status 503"));
    feed(h, ok()); // breaks the run
    feed(h, fail("status 503"));
    assertEquals(Kind.NONE, feed(h, fail("status 503")).kind());
    assertEquals(Status.UP, h.status());
    Transition t = feed(h, fail("timeout"));
    assertEquals(Kind.DOWN, t.kind());
    assertEquals("timeout", t.reason(), "the reason of the failure that tipped the count");
    assertEquals("timeout", h.reason());
  }

  @Test
  void downServerRecoversAfterRiseConsecutiveSuccesses() {
    ServerHealth h = downServer();
    feed(h, ok());
    feed(h, fail("timeout"));
    assertEquals(Kind.NONE, feed(h, ok()).kind());
    Transition t = feed(h, ok());
    assertEquals(Kind.UP, t.kind());
    assertTrue(t.recovery());
    assertEquals(now, h.since(), "slow start begins at the recovery");
  }

  @Test
  void eachChangeIsReportedOnce() {
    ServerHealth h = upServer();
    for (int i = 0; i < 10; i++) {
      assertEquals(Transition.none(), feed(h, ok()));
    }
    int downs = 0;
    for (int i = 0; i < 10; i++) {
      downs += feed(h, fail("timeout")).kind() == Kind.DOWN ? 1 : 0;
    }
    assertEquals(1, downs);
  }

  @Test
  void takeOverKeepsAKnownVerdict() {
    ServerHealth h = new ServerHealth(CFG, Status.UP, 500, "status 200");
    assertEquals(Kind.NONE, feed(h, ok()).kind(), "a new owner does not re-announce up");
    assertEquals(500, h.since());
  }

  @Test
  void newSettingsApplyToTheCountsSoFar() {
    ServerHealth h = upServer();
    feed(h, fail("timeout"));
    h.configure(new Pool.HealthCheck("http", "GET", "/", "200", null, 2000, 1000, 2, 1, 500, 4000, 0));
    assertEquals(Kind.DOWN, feed(h, fail("timeout")).kind());
  }

  @Test
  void intervalIsNormalWhileSteadyAndUnknownBeforeAnyCheck() {
    assertEquals(2000, new ServerHealth(CFG, now).nextDelayMs(NO_RANDOM));
    assertEquals(2000, upServer().nextDelayMs(NO_RANDOM));
  }

  @Test
  void intervalIsFastWhileAChangeIsUnderWay() {
    ServerHealth unknown = new ServerHealth(CFG, now);
    feed(unknown, ok());
    assertEquals(500, unknown.nextDelayMs(NO_RANDOM), "reaching a first verdict");
    ServerHealth failing = upServer();
    feed(failing, fail("timeout"));
    assertEquals(500, failing.nextDelayMs(NO_RANDOM), "failures while up");
    ServerHealth recovering = downServer();
    feed(recovering, ok());
    assertEquals(500, recovering.nextDelayMs(NO_RANDOM), "successes while down");
    feed(recovering, ok());
    assertEquals(2000, recovering.nextDelayMs(NO_RANDOM), "back up: normal interval");
  }

  @Test
  void intervalIsTheDownIntervalWhileDown() {
    ServerHealth h = downServer();
    assertEquals(4000, h.nextDelayMs(NO_RANDOM));
    feed(h, fail("timeout"));
    assertEquals(4000, h.nextDelayMs(NO_RANDOM));
  }

  @Test
  void jitterStaysWithinPlusOrMinusJitterPercent() {
    ServerHealth h = new ServerHealth(cfg(10), now);
    assertEquals(1800, h.nextDelayMs(extreme(true)), "lowest draw");
    assertEquals(2200, h.nextDelayMs(extreme(false)), "highest draw");
    SplittableRandom random = new SplittableRandom(42);
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < 10_000; i++) {
      long d = h.nextDelayMs(random);
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    assertTrue(min >= 1800 && max <= 2200, min + ".." + max);
    assertTrue(min < 1850 && max > 2150, "spread over the whole range: " + min + ".." + max);
  }

  /** A generator whose bounded draws return the lowest (or highest) allowed value. */
  private static RandomGenerator extreme(boolean lowest) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public long nextLong(long origin, long bound) {
        return lowest ? origin : bound - 1;
      }
    };
  }

  @Test
  void agentDownHoldsUntilTheAgentSaysUp() {
    ServerHealth h = new ServerHealth(CFG, now);
    feed(h, agent("up"));
    feed(h, agent("up"));
    assertEquals(Status.UP, h.status());
    feed(h, agent("down#disk full"));
    feed(h, agent("75%")); // reachable, says no operational word: the agent's down still holds
    Transition t = feed(h, agent("75%"));
    assertEquals(Kind.DOWN, t.kind(), "fall counted across replies that did not undo the down");
    assertEquals("agent down: disk full", t.reason());
    assertTrue(h.agentSaysDown());
    for (int i = 0; i < 5; i++) {
      assertEquals(Kind.NONE, feed(h, agent("ready 80%")).kind());
      assertEquals(0, h.consecutiveSuccesses(), "only the agent's up undoes its down");
    }
    assertEquals(Kind.NONE, feed(h, agent("up")).kind());
    assertFalse(h.agentSaysDown());
    assertEquals(Kind.UP, feed(h, agent("80%")).kind(), "after up, rise successes as usual");
  }

  @Test
  void agentDownIsNotUndoneByAnotherCheckPassing() {
    ServerHealth h = upServer();
    feed(h, agent("stopped#deploy"));
    for (int i = 0; i < 5; i++) {
      feed(h, ok());
    }
    assertEquals(Status.DOWN, h.status());
    assertEquals("agent stopped: deploy", h.reason());
  }

  @Test
  void agentDrainAndMaintHoldUntilTheAgentSaysReady() {
    ServerHealth h = new ServerHealth(CFG, now);
    assertNull(h.agentState());
    Transition drain = feed(h, agent("drain"));
    assertTrue(drain.agentChanged());
    assertEquals(Server.State.DRAIN, h.agentState());
    assertFalse(feed(h, agent("up")).agentChanged());
    assertEquals(Server.State.DRAIN, h.agentState(), "up is operational; it does not end a drain");
    assertEquals(Status.UP, h.status(), "drain is administrative: the checks still pass");
    feed(h, agent("maint"));
    assertEquals(Server.State.MAINT, h.agentState());
    feed(h, ok());
    assertEquals(Server.State.MAINT, h.agentState(), "another check does not end it either");
    assertTrue(feed(h, agent("ready")).agentChanged());
    assertEquals(Server.State.READY, h.agentState());
  }

  @Test
  void unreachableAgentChangesNothing() {
    ServerHealth h = upServer();
    feed(h, agent("down"));
    assertEquals(1, h.consecutiveFailures());
    for (int i = 0; i < 10; i++) {
      assertEquals(Transition.none(), feed(h, unreachable()));
    }
    assertEquals(Status.UP, h.status());
    assertEquals(1, h.consecutiveFailures(), "counters untouched");
    assertTrue(h.agentSaysDown());

    ServerHealth fresh = new ServerHealth(CFG, now);
    for (int i = 0; i < 10; i++) {
      feed(fresh, unreachable());
    }
    assertEquals(Status.UNKNOWN, fresh.status());
    assertEquals(2000, fresh.nextDelayMs(NO_RANDOM), "an unreachable agent does not look like a change");
  }

  @Test
  void agentWeightAndMaxconnStayUntilChangedAndReportChanges() {
    ServerHealth h = new ServerHealth(CFG, now);
    assertTrue(feed(h, agent("up 75% maxconn:30")).agentChanged());
    assertEquals(75, h.weightPercent());
    assertEquals(30, h.maxconn());
    Transition sameAgain = feed(h, agent("up 75%"));
    assertFalse(sameAgain.agentChanged());
    assertEquals(Kind.UP, sameAgain.kind());
    feed(h, agent("up"));
    assertEquals(75, h.weightPercent(), "not repeated: unchanged");
    Transition lighter = feed(h, agent("weight:50"));
    assertTrue(lighter.agentChanged());
    assertEquals(Kind.NONE, lighter.kind());
    assertEquals(50, h.weightPercent());
    assertEquals(30, h.maxconn());
  }

  @Test
  void theAgentsMaxconnTravelsInThePublishedRecord() {
    ServerHealth h = upServer();
    assertNull(h.record("p", "a", 0, "health-1").agentMaxConnections(), "no agent limit said yet");
    assertTrue(feed(h, agent("up maxconn:2")).agentChanged(), "a new limit is a load.changed");
    HealthRecord rec = h.record("p", "a", 0, "health-1");
    assertEquals(2, rec.agentMaxConnections());
    assertEquals(2, rec.toJson().getInteger("maxConnections"));
    assertEquals(rec, HealthRecord.fromJson(rec.toJson()), "survives lb.health and the event bus");
    assertFalse(feed(h, agent("up")).agentChanged());
    assertEquals(2, h.record("p", "a", 0, "health-1").agentMaxConnections(), "not repeated: unchanged");
    assertTrue(feed(h, agent("maxconn:0")).agentChanged());
    assertEquals(0, h.record("p", "a", 0, "health-1").agentMaxConnections(), "0: the agent lifts its limit");
    assertEquals("up", rec.status());
    assertEquals("health-1", rec.checkedBy());
  }

  @Test
  void aTakeoverResumesTheVerdictAndWhatTheAgentSaid() {
    ServerHealth before = upServer();
    feed(before, agent("up 75% drain maxconn:2"));
    HealthRecord published = before.record("p", "a", 0, "health-1");

    ServerHealth after = ServerHealth.resume(CFG, published);
    assertEquals(Status.UP, after.status());
    assertEquals(published.since(), after.since());
    assertEquals(published, after.record("p", "a", 0, "health-1"), "the same verdict, agent words included");
    Transition same = feed(after, agent("up 75% drain maxconn:2"));
    assertFalse(same.agentChanged(), "the agent repeating itself to the new owner is no change");
    assertEquals(Kind.NONE, same.kind());
  }
}
