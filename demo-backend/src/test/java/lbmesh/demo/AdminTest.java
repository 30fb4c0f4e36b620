package lbmesh.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class AdminTest extends OneBackendTest {

  @Test
  void healthCanBeSwitchedOffAndOn() {
    TestClient.Reply up = client.get(backend.port(), "/health");
    assertEquals(200, up.status());
    assertEquals(new JsonObject().put("ok", true), up.json());

    assertEquals(200, client.postJson(backend.port(), "/admin/health", "{\"ok\": false}").status());
    TestClient.Reply down = client.get(backend.port(), "/health");
    assertEquals(503, down.status());
    assertEquals(new JsonObject().put("ok", false), down.json());

    backend.setHealthy(true);
    assertEquals(200, client.get(backend.port(), "/health").status());
  }

  @Test
  void malformedAdminBodiesAreRejectedWith400() {
    for (String body : List.of("", "{", "[true]", "{}", "{\"ok\": \"no\"}", "{\"ok\": 0}")) {
      assertEquals(400, client.postJson(backend.port(), "/admin/health", body).status(), body);
    }
    for (String body : List.of("{}", "{\"reply\": 75}", "{\"reply\": \"up\\ndown\"}")) {
      assertEquals(400, client.postJson(backend.port(), "/admin/agent", body).status(), body);
    }
    assertEquals(413, client.postJson(backend.port(), "/admin/agent",
        "{\"reply\": \"" + "x".repeat(5000) + "\"}").status());
    assertEquals(404, client.get(backend.port(), "/admin/nothing").status());
    assertEquals(200, client.get(backend.port(), "/health").status(), "nothing was switched");
    assertEquals("up", readAgentLine());
  }

  @Test
  void liveAndReadyReportTheProcessWhateverHealthIsSwitchedTo() {
    assertEquals(200, client.postJson(backend.port(), "/admin/health", "{\"ok\": false}").status());
    assertEquals(503, client.get(backend.port(), "/health").status());
    TestClient.Reply live = client.get(backend.port(), "/health/live");
    assertEquals(200, live.status());
    assertEquals("UP", live.json().getString("status"));
    TestClient.Reply ready = client.get(backend.port(), "/health/ready");
    assertEquals(200, ready.status());
    assertEquals("UP", ready.json().getString("status"));
    assertEquals(0, backend.stats().totalRequests(), "probes of the process are not traffic");
  }

  @Test
  void agentPortAnswersTheLineThatWasSet() {
    assertEquals("up", readAgentLine());

    // sent the way curl -d sends it: as a form, with a '%' that is not percent-encoding
    TestClient.Reply set = client.send(HttpMethod.POST, backend.port(), "/admin/agent",
        "application/x-www-form-urlencoded", Buffer.buffer("{\"reply\": \"up 75%\"}"));
    assertEquals(200, set.status());
    assertEquals("up 75%", readAgentLine());

    backend.setAgentReply("drain");
    assertEquals("drain", readAgentLine());
    assertThrows(IllegalArgumentException.class, () -> backend.setAgentReply("up\r\n"));
  }

  @Test
  void statsCountTrafficButNotAdminCalls() {
    client.get(backend.port(), "/a");
    client.get(backend.port(), "/b?status=500");
    client.postJson(backend.port(), "/c", "{}");
    client.get(backend.port(), "/health");

    JsonObject stats = client.get(backend.port(), "/admin/stats").json();
    assertEquals(3, stats.getLong("totalRequests"));
    assertEquals(0, stats.getInteger("inFlight"));
    assertEquals(1, stats.getInteger("maxInFlight"));
    assertEquals(new JsonObject().put("GET", 2).put("POST", 1), stats.getJsonObject("methods"));
    assertEquals(backend.id(), stats.getString("id"));

    assertEquals(200, client.postJson(backend.port(), "/admin/stats/reset", "").status());
    BackendStats reset = backend.stats();
    assertEquals(0, reset.totalRequests());
    assertEquals(0, reset.maxInFlight());
    assertEquals(0, reset.methods().size());
  }

  /**
   * Reads everything the agent port sends until it closes the connection, with a plain blocking socket:
   * a Vert.x NetSocket whose handlers are set in the connect callback can miss a reply that the agent
   * sends (and closes) the moment the connection is accepted.
   */
  private String readAgentLine() {
    try (java.net.Socket s = new java.net.Socket(TestClient.HOST, backend.agentPort())) {
      s.setSoTimeout(5000);
      String text = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertEquals('\n', text.charAt(text.length() - 1), "the agent line ends with a newline");
      return text.substring(0, text.length() - 1);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
