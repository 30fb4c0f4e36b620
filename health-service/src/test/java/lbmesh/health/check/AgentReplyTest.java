package lbmesh.health.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lbmesh.health.check.AgentReply.Operational;
import lbmesh.shared.model.Server;
import org.junit.jupiter.api.Test;

class AgentReplyTest {

  @Test
  void upWithPercentSetsOperationalAndWeight() {
    AgentReply r = AgentReply.parse("up 75%");
    assertEquals(Operational.UP, r.operational());
    assertEquals(75, r.weightPercent());
    assertNull(r.adminState());
    assertNull(r.maxconn());
  }

  @Test
  void administrativeWordsSetTheAdminStateOnly() {
    assertEquals(Server.State.DRAIN, AgentReply.parse("drain").adminState());
    assertEquals(Server.State.MAINT, AgentReply.parse("maint").adminState());
    assertEquals(Server.State.READY, AgentReply.parse("ready").adminState());
    assertNull(AgentReply.parse("drain").operational());
  }

  @Test
  void downFailAndStoppedAreAllDownAndKeepTheirWord() {
    for (String w : new String[] {"down", "fail", "failed", "stopped"}) {
      AgentReply r = AgentReply.parse(w);
      assertEquals(Operational.DOWN, r.operational(), w);
      assertEquals(w, r.operationalWord());
    }
  }

  @Test
  void textAfterHashIsTheReason() {
    AgentReply r = AgentReply.parse("down#disk full");
    assertEquals(Operational.DOWN, r.operational());
    assertEquals("disk full", r.reason());
    assertEquals("agent down: disk full", r.describe());
    assertEquals("a # b", AgentReply.parse("stopped # a # b").reason(), "only the first # separates");
    assertNull(AgentReply.parse("down#").reason());
  }

  @Test
  void weightColonIsReadAsAPercentage() {
    assertEquals(50, AgentReply.parse("weight:50").weightPercent());
    assertEquals(50, AgentReply.parse("weight:50%").weightPercent());
  }

  @Test
  void percentAcceptsZeroToHAProxysMaximum() {
    assertEquals(0, AgentReply.parse("0%").weightPercent());
    assertEquals(256, AgentReply.parse("256%").weightPercent());
    assertNull(AgentReply.parse("257%").weightPercent(), "out of range is ignored, as HAProxy does");
    assertNull(AgentReply.parse("-5%").weightPercent());
    assertNull(AgentReply.parse("7.5%").weightPercent());
    assertNull(AgentReply.parse("%").weightPercent());
  }

  @Test
  void maxconnIsParsed() {
    assertEquals(30, AgentReply.parse("maxconn:30").maxconn());
    assertEquals(0, AgentReply.parse("maxconn:0").maxconn());
    assertNull(AgentReply.parse("maxconn:lots").maxconn());
  }

  @Test
  void wordsSplitOnSpacesCommasAndTabsAndIgnoreCase() {
    AgentReply r = AgentReply.parse("  UP,,Drain\t42%  MAXCONN:7 \r");
    assertEquals(Operational.UP, r.operational());
    assertEquals(Server.State.DRAIN, r.adminState());
    assertEquals(42, r.weightPercent());
    assertEquals(7, r.maxconn());
  }

  @Test
  void unknownWordsAreIgnoredAndGarbageIsEmpty() {
    AgentReply r = AgentReply.parse("hello up there 80%");
    assertEquals(Operational.UP, r.operational());
    assertEquals(80, r.weightPercent());
    assertTrue(AgentReply.parse("garbage !!").isEmpty());
    assertTrue(AgentReply.parse("").isEmpty());
    assertTrue(AgentReply.parse(null).isEmpty());
    assertTrue(AgentReply.parse("#just a reason").isEmpty(), "a reason alone says nothing");
    assertFalse(AgentReply.parse("ready").isEmpty());
  }

  @Test
  void laterWordWinsWhenWordsConflict() {
    AgentReply r = AgentReply.parse("down up 10% 20% maint ready");
    assertEquals(Operational.UP, r.operational());
    assertEquals(20, r.weightPercent());
    assertEquals(Server.State.READY, r.adminState());
  }
}
