package lbmesh.shared.testing;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import lbmesh.shared.cluster.ClusterBootstrap;
import lbmesh.shared.cluster.ClusterSettings;
import lbmesh.shared.cluster.MemberInfo;
import lbmesh.shared.cluster.MemberRole;
import lbmesh.shared.launch.ServiceRuntime;

/**
 * Several clustered Vert.x members in one JVM on loopback, under a cluster name of their own, for
 * tests. Uses Hazelcast ports from 5801 so a local `./mesh up` (5701...) does not interfere.
 */
public final class TestCluster implements AutoCloseable {
  public static final int BASE_PORT = 5801;
  private final String name = "test-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<Vertx> members = new ArrayList<>();
  private int counter;

  public String name() {
    return name;
  }

  /** Settings for a new member of this cluster. */
  public ClusterSettings settings(String service, String dc) {
    return new ClusterSettings(name, List.of("127.0.0.1"), "127.0.0.1", BASE_PORT, dc,
        service + "-" + (++counter), service, ClusterSettings.DEFAULT_MAX_NO_HEARTBEAT_SECONDS, dcAware);
  }

  private boolean dcAware;

  /** Members started from now on use one partition group per DC (LB_PARTITION_GROUPS=dc). */
  public TestCluster dcAwareBackups() {
    this.dcAware = true;
    return this;
  }

  /** Starts and joins a member (blocking; call from the test thread). */
  public Vertx start(String service, String dc) {
    return start(settings(service, dc));
  }

  public Vertx start(ClusterSettings s) {
    Vertx v;
    try {
      v = writesRole(s) ? ServiceRuntime.join(s).await(60, TimeUnit.SECONDS) : joinWithRole(s);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("member " + s.nodeId() + " did not join within 60 s", e);
    }
    synchronized (members) {
      members.add(v);
    }
    return v;
  }

  /** Whether the cluster bootstrap writes the member's role attribute itself (MemberInfo.ATTR_ROLE). */
  private static boolean writesRole(ClusterSettings s) {
    return s.role() == MemberRole.MEMBER
        || ClusterBootstrap.hazelcastConfig(s).getMemberAttributeConfig().getAttribute(MemberInfo.ATTR_ROLE) != null;
  }

  /**
   * A member with its role attribute, as the bootstrap will write it (one line in ClusterBootstrap, owned by
   * another change): the rest of the configuration is the bootstrap's own. Goes once the bootstrap writes it.
   */
  private static Vertx joinWithRole(ClusterSettings s) throws java.util.concurrent.TimeoutException {
    Config cfg = ClusterBootstrap.hazelcastConfig(s);
    cfg.getMemberAttributeConfig().setAttribute(MemberInfo.ATTR_ROLE, s.role().wire());
    return Vertx.builder()
        .with(ServiceRuntime.options().setEventBusOptions(new EventBusOptions().setHost(s.bindHost()).setPort(0)))
        .withClusterManager(new HazelcastClusterManager(cfg))
        .buildClustered().await(60, TimeUnit.SECONDS);
  }

  /** Stops a member abruptly, as `kill -9` would: no leave message, sockets just close. */
  public void crash(Vertx member) {
    ClusterBootstrap.hazelcast(member).getLifecycleService().terminate();
    synchronized (members) {
      members.remove(member);
    }
    try {
      member.close().await(10, TimeUnit.SECONDS);
    } catch (Exception expected) {
      // the cluster manager is already gone
    }
  }

  public static HazelcastInstance hz(Vertx v) {
    return ClusterBootstrap.hazelcast(v);
  }

  @Override
  public void close() {
    List<Vertx> copy;
    synchronized (members) {
      copy = new ArrayList<>(members);
      members.clear();
    }
    for (Vertx v : copy) {
      try {
        v.close().await(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        // best effort at teardown
      }
    }
  }
}
