package lbmesh.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AnswerLogTest {
  private final List<LogRecord> lines = new CopyOnWriteArrayList<>();
  private final Logger logger = Logger.getLogger(AnswerLog.LOGGER);
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      lines.add(r);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };

  @BeforeEach
  void listen() {
    logger.addHandler(capture);
  }

  @AfterEach
  void stop() {
    logger.removeHandler(capture);
  }

  @Test
  void aGatewayAnswerIsLoggedWithItsReasonAtWarningFor5xxAndInfoFor4xx() {
    AnswerLog log = new AnswerLog(10, () -> 0L);
    log.answered(502, "10.0.0.9", "GET", "/cart?id=1", "server 'b1' of pool 'web' failed: connection refused");
    log.answered(431, "10.0.0.9", null, null, "the request headers are larger than 16384 bytes");
    assertEquals(2, lines.size());
    assertEquals(Level.WARNING, lines.get(0).getLevel());
    assertEquals("answered 502 GET /cart?id=1 from 10.0.0.9: server 'b1' of pool 'web' failed: connection refused",
        lines.get(0).getMessage());
    assertEquals(Level.INFO, lines.get(1).getLevel());
    assertTrue(lines.get(1).getMessage().startsWith("answered 431 - - from 10.0.0.9: "), lines.get(1).getMessage());
  }

  @Test
  void aStormIsCutToTheRateAndTheNextLineCountsWhatWasLeftOut() {
    AtomicLong clock = new AtomicLong(1_000);
    AnswerLog log = new AnswerLog(10, clock::get);
    int logged = 0;
    for (int i = 0; i < 1000; i++) {
      logged += log.answered(503, "c", "GET", "/", "no server") ? 1 : 0;
    }
    assertEquals(10, logged, "one second holds ten lines");
    clock.addAndGet(1000);
    assertTrue(log.answered(503, "c", "GET", "/", "no server"), "a new second logs again");
    String last = lines.get(lines.size() - 1).getMessage();
    assertTrue(last.endsWith("(990 more answers of the gateway's own not logged before this one)"), last);
    assertFalse(log.answered(503, "c", "GET", "/", "no server") && lines.get(lines.size() - 1).getMessage()
        .contains("more answers"), "the count is reported once");
  }

  @Test
  void aClientsTargetCannotForgeLogLinesOrFillThem() {
    assertEquals("/a\\x0d\\x0aanswered 200", AnswerLog.printable("/a\r\nanswered 200"));
    String longTarget = "/" + "x".repeat(1000);
    assertEquals(203, AnswerLog.printable(longTarget).length());
  }

  @Test
  void theGatewaysOwn502And503AreLoggedThroughARealGateway() throws Exception {
    try (lbmesh.gateway.GatewayHarness h = new lbmesh.gateway.GatewayHarness()) {
      h.start();
      h.pool(lbmesh.shared.model.Pool.defaults("default"));
      h.awaitTable();
      assertEquals(503, h.get("/empty").status());
      h.server("default", lbmesh.shared.model.Server.fromJson(new io.vertx.core.json.JsonObject()
          .put("id", "nobody").put("host", "127.0.0.1").put("port", lbmesh.gateway.GatewayHarness.freePort())));
      h.awaitTable();
      assertEquals(502, h.get("/refused?q=1").status());
      List<String> messages = lines.stream().map(LogRecord::getMessage).toList();
      assertTrue(messages.stream().anyMatch(m -> m.startsWith("answered 503 GET /empty from 127.0.0.1: pool 'default'")),
          messages.toString());
      assertTrue(messages.stream().anyMatch(m -> m.equals(
          "answered 502 GET /refused?q=1 from 127.0.0.1: server 'nobody' of pool 'default' failed: connection refused")),
          messages.toString());
    }
  }
}
