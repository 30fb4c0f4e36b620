package lbmesh.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.cluster.MemberRole;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.event.Event;
import lbmesh.shared.failover.FailoverMap;
import lbmesh.shared.testing.Await;
import lbmesh.shared.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A witness (LB_ROLE=witness) is a failover-service member that counts towards the quorum and never leads:
 * every instance skips it when it looks for the oldest failover-service member, even when the witness is
 * the oldest, and the witness itself takes no epoch and says what it is on /status and /health/ready.
 */
class WitnessClusterTest {
  private final TestCluster cluster = new TestCluster();
  private final List<Event> elections = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  record Node(Vertx vertx, FailoverVerticle verticle, String nodeId) {
  }

  @AfterEach
  void close() {
    cluster.close();
  }

  private Node failover(MemberRole role, int quorum) throws Exception {
    ClusterSettings s = cluster.settings(FailoverMap.SERVICE, role == MemberRole.WITNESS ? "dc3" : "dc1")
        .withQuorum(quorum).withRole(role);
    Vertx v = cluster.start(s);
    FailoverVerticle f = new FailoverVerticle(s, "127.0.0.1", 0);
    v.deployVerticle(f).await(20, TimeUnit.SECONDS);
    return new Node(v, f, s.nodeId());
  }

  private JsonObject get(Node n, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.verticle().adminPort()
        + path)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return new JsonObject(r.body());
  }

  private Event awaitElection(String what, long afterEpoch) {
    Await.until(Duration.ofSeconds(15), what, () -> elections.stream().anyMatch(e -> e.epoch() > afterEpoch));
    return elections.stream().filter(e -> e.epoch() > afterEpoch).findFirst().orElseThrow();
  }

  @Test
  void theOldestFailoverMemberIsSkippedWhenItIsAWitnessWhichCountsTowardsTheQuorumAndNeverLeads() throws Exception {
    int quorum = 3;
    Vertx registry = cluster.start(cluster.settings("registry-service", "dc1").withQuorum(quorum));
    registry.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
      Event e = Event.fromJson(m.body());
      if (e.type().equals("leader.elected")) {
        elections.add(e);
      }
    }).completion().await(5, TimeUnit.SECONDS);
    // the witness joins first: the oldest failover-service member of the list
    Node witness = failover(MemberRole.WITNESS, quorum);
    Node f1 = failover(MemberRole.MEMBER, quorum);
    // three members with the witness: the quorum is there only because it counts
    Event first = awaitElection("a leader once the witness makes the quorum", 0);
    assertEquals(f1.nodeId(), first.data().getString("nodeId"), "the oldest failover member that is no witness leads");
    assertTrue(f1.verticle().isLeader());
    assertFalse(witness.verticle().isLeader());

    JsonObject status = get(witness, "/status");
    assertEquals("witness", status.getString("role"), status.encode());
    assertEquals(f1.nodeId(), status.getJsonObject("leader").getString("nodeId"), status.encode());
    assertTrue(status.getJsonObject("quorum").getBoolean("present"), status.encode());
    assertEquals(0, status.getLong("decisions"), "a witness decides nothing: " + status.encode());
    String ready = get(witness, "/health/ready").encode();
    assertTrue(ready.contains("\"role\":\"witness\""), ready);

    // the leader dies: the next failover member takes over, not the (older) witness
    Node f2 = failover(MemberRole.MEMBER, quorum);
    Await.until(Duration.ofSeconds(20), "partitions settled",
        () -> TestCluster.hz(registry).getPartitionService().isClusterSafe());
    cluster.crash(f1.vertx());
    Event next = awaitElection("a new leader after the leader's crash", first.epoch());
    assertEquals(f2.nodeId(), next.data().getString("nodeId"));
    assertFalse(witness.verticle().isLeader());
    assertEquals("leader", get(f2, "/status").getString("role"));

    // no candidate left: the witness, alone with the registry and the quorum still met, takes no epoch
    ClusterSettings late = cluster.settings("gateway", "dc1").withQuorum(quorum);
    cluster.start(late);
    cluster.crash(f2.vertx());
    long end = System.nanoTime() + Duration.ofMillis(1500).toNanos();
    while (System.nanoTime() < end) {
      assertEquals(2, elections.size(), "no election without a candidate: " + elections);
      assertFalse(witness.verticle().isLeader());
      Thread.sleep(50);
    }
    assertTrue(get(witness, "/status").getJsonObject("quorum").getBoolean("present"));
  }
}
