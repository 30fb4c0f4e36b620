package lbmesh.shared.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MemberAttributeConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import com.hazelcast.config.PartitionGroupConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.partitiongroup.PartitionGroupMetaData;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import lbmesh.shared.event.Addresses;
import lbmesh.shared.failover.FailoverMap;
import lbmesh.shared.failover.HigherEpochMergePolicy;

/** Builds the Hazelcast configuration from {@link ClusterSettings} and starts a clustered Vert.x. */
public final class ClusterBootstrap {
  /** Hazelcast ports tried from LB_HZ_PORT upwards, by a starting member and by joiners alike. */
  static final int PORT_RANGE = 20;

  private ClusterBootstrap() {
  }

  /** The Hazelcast config every member uses: TCP-IP join, DC attributes and groups, fast failure detection. */
  public static Config hazelcastConfig(ClusterSettings s) {
    // loadConfig keeps Vert.x's own structures (subscription maps, locks); a bare Config drops them.
    Config cfg = ConfigUtil.loadConfig();
    cfg.setClusterName(s.clusterName());
    cfg.setInstanceName(s.clusterName() + "/" + s.nodeId());
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.logging.type", "jdk");
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    // a member listed without a port is probed on the whole auto-increment range, not just 3 ports
    cfg.setProperty("hazelcast.tcp.join.port.try.count", Integer.toString(PORT_RANGE));
    // A crashed member is noticed through its closed sockets (connection monitor, ~0.3 s); a hung one, or
    // one whose host or link vanished, through missed heartbeats. Hazelcast's defaults (60 s) are far too
    // slow for a load balancer; max.no.heartbeat applies while the member list settles (joining and
    // start-up) and until HeartbeatDetector, installed once joined, shortens it to LB_HZ_HEARTBEAT_TIMEOUT_MS.
    cfg.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    cfg.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(s.maxNoHeartbeatSeconds()));
    // The master drops a crashed member after max.faults failed reconnects spread over at least
    // max.faults x interval: 3 x 100 ms cost ~0.34 s of every failover takeover; 3 x 50 ms keeps the three
    // consecutive refusals (a live member never refuses a connection) and halves it.
    cfg.setProperty("hazelcast.connection.monitor.interval", "50");
    cfg.setProperty("hazelcast.connection.monitor.max.faults", "3");
    // An operation on a partition that is migrating, or whose owner just died, is retried: five times at
    // once, then with a pause doubling up to this (default 500 ms). After a crash the partition is usable
    // again a few hundred ms later, but the retry then sleeps up to 500 ms more (the failover election's
    // epoch bump took 0.6-4.2 s in the first minute of a mesh). 50 ms bounds that; the retry count is
    // raised in step so that an operation still gives up after about the same ~2 minutes as before.
    cfg.setProperty("hazelcast.invocation.retry.pause.millis", "50");
    cfg.setProperty("hazelcast.invocation.max.retry.count", "2500");
    // The price of a short heartbeat timeout: a long pause can split a live member off; merge it back fast.
    cfg.setProperty("hazelcast.merge.first.run.delay.seconds", "10");
    cfg.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
    // listen on LB_BIND_HOST only, not on every interface
    cfg.setProperty("hazelcast.socket.bind.any", "false");

    // Stick tables: a backup (in another DC with per-DC groups) and a near cache, so a gateway's lookup
    // of a known client never leaves the process; the near cache is invalidated when another gateway
    // rewrites an entry. Invalidations go out in batches of 100 or every second (Hazelcast's default is every
    // 10 s): a client redispatched on one gateway must find its new server on the next gateway it reaches,
    // and a gateway that still reads the old entry pays a failed connect before it finds the new one.
    cfg.setProperty("hazelcast.map.invalidation.batchfrequency.seconds", "1");
    cfg.addMapConfig(new MapConfig(Addresses.STICK_MAP_PREFIX + "*")
        .setBackupCount(1)
        .setReadBackupData(true)
        .setNearCacheConfig(new NearCacheConfig()
            .setInMemoryFormat(InMemoryFormat.OBJECT)
            .setInvalidateOnChange(true)
            .setCacheLocalEntries(true)
            .setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
                .setMaxSizePolicy(MaxSizePolicy.ENTRY_COUNT).setSize(200_000))));

    // lb.failover: the failover leader's epoch, roles and plans. Writes need LB_QUORUM members on this
    // side of a split, so a minority side makes no decision; after the split heals the copy with the
    // higher epoch wins. Every member needs this config: the partition owner applies it.
    // two backups: a few small entries, and the epoch must survive two members dying at once
    MapConfig failover = new MapConfig(Addresses.FAILOVER_MAP).setBackupCount(2)
        .setMergePolicyConfig(new MergePolicyConfig(HigherEpochMergePolicy.class.getName(),
            MergePolicyConfig.DEFAULT_BATCH_SIZE));
    if (s.quorum() > 1) {
      cfg.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(FailoverMap.QUORUM, true, s.quorum())
          .setProtectOn(SplitBrainProtectionOn.WRITE));
      failover.setSplitBrainProtectionName(FailoverMap.QUORUM);
    }
    cfg.addMapConfig(failover);

    MemberAttributeConfig attrs = cfg.getMemberAttributeConfig();
    attrs.setAttribute(MemberInfo.ATTR_SERVICE, s.service());
    attrs.setAttribute(MemberInfo.ATTR_DC, s.dc());
    attrs.setAttribute(MemberInfo.ATTR_NODE, s.nodeId());
    attrs.setAttribute(MemberInfo.ATTR_PID, Long.toString(ProcessHandle.current().pid()));
    attrs.setAttribute(MemberInfo.ATTR_ROLE, s.role().wire());
    if (s.gateway() != null) {
      s.gateway().writeTo(attrs);
    }

    cfg.getNetworkConfig()
        .setPort(s.hzPort())
        .setPortAutoIncrement(true)
        .setPortCount(PORT_RANGE);
    // Binds exactly LB_BIND_HOST through this property rather than the interface list: with the list
    // enabled, Hazelcast's TCP-IP joiner keeps a member given by host name only if the name resolves to
    // an address in that list, i.e. only this member itself, so members listed by name (docker compose)
    // never joined. Names are resolved again at each join attempt and merge check, so a member whose
    // container is not up yet is found once it is.
    cfg.setProperty("hazelcast.local.localAddress", s.bindHost());
    JoinConfig join = cfg.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(s.members());
    if (s.dcAwareBackups()) {
      // One partition group per DC: a backup never sits in its owner's DC, so losing a whole DC loses
      // no entry. Only for multi-DC deployments: Hazelcast keeps no backup at all within one group.
      attrs.setAttribute(PartitionGroupMetaData.PARTITION_GROUP_ZONE, s.dc());
      cfg.getPartitionGroupConfig().setEnabled(true).setGroupType(PartitionGroupConfig.MemberGroupType.ZONE_AWARE);
    }
    return cfg;
  }

  /** Starts a clustered Vert.x; `options` may carry metrics and worker settings. */
  public static Future<Vertx> start(ClusterSettings s, VertxOptions options) {
    options.setEventBusOptions(new EventBusOptions(options.getEventBusOptions()).setHost(s.bindHost()).setPort(0));
    return Vertx.builder()
        .with(options)
        .withClusterManager(new OffEventThreadClusterManager(hazelcastConfig(s)))
        .buildClustered()
        .map(vertx -> {
          // a member that dies while partitions migrate must not leave its partitions ownerless for 3 s
          MigrationPause.shorten(hazelcast(vertx));
          HeartbeatDetector.install(hazelcast(vertx), s);
          return vertx;
        });
  }

  /**
   * Runs `onChange` on `ctx` whenever a member joins or leaves. A Hazelcast membership listener: Vert.x
   * registers its own node listener only with HA on, and Hazelcast's fires earlier (STACK-NOTES).
   */
  public static void onMembershipChange(HazelcastInstance hz, Context ctx, Runnable onChange) {
    hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        ctx.runOnContext(v -> onChange.run());
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        ctx.runOnContext(v -> onChange.run());
      }
    });
  }

  /**
   * How this member detects a hung one now ({@link HeartbeatDetector}): the timeout in force and whether
   * the grace after the latest join is over; {@code {"installed": false}} when Hazelcast's own is in place.
   */
  public static io.vertx.core.json.JsonObject failureDetection(Vertx vertx) {
    HazelcastInstance hz = hazelcast(vertx);
    HeartbeatDetector d = HeartbeatDetector.of(hz);
    return d == null ? new io.vertx.core.json.JsonObject().put("installed", false)
        : d.toJson(hz.getCluster().getClusterTime()).put("installed", true);
  }

  /** The Hazelcast instance under a clustered Vert.x: for IMaps, listeners and the member list. */
  public static HazelcastInstance hazelcast(Vertx vertx) {
    ClusterManager cm = ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
    return ((HazelcastClusterManager) cm).getHazelcastInstance();
  }

  /**
   * Creates the proxies of these maps on a worker. The first {@code getMap} of a name is a remote call (the
   * proxy is created cluster-wide, and a near cache registers its invalidation listener on every member);
   * later ones only look the proxy up, so a service calls this at start and may then use {@code getMap}
   * on its event loop.
   */
  public static io.vertx.core.Future<Void> openMaps(Vertx vertx, String... names) {
    HazelcastInstance hz = hazelcast(vertx);
    return vertx.executeBlocking(() -> {
      for (String n : names) {
        hz.getMap(n);
      }
      return null;
    }, false);
  }
}
