package io.rangedb.rangestore.raftcluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rangedb.raft.ConfChange;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.host.RaftHost;
import io.rangedb.rangestore.raftnet.GrpcRaftTransport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 3's integration test: 3 Raft hosts in one JVM over real gRPC on 127.0.0.1 and real RocksDB
 * in temp directories, 1,000 groups, a stream of proposals while one host is stopped and restarted.
 * Every acknowledged proposal must be applied exactly once on every live replica, in the same
 * order.
 */
class RaftClusterTest {
  private static final int GROUPS = 1_000;
  private static final long TICK_MILLIS = 50;

  @TempDir Path dir;

  @Test
  void acknowledgedProposalsSurviveAHostRestartAndApplyOnceInOneOrderEverywhere() throws Exception {
    try (LocalRaftCluster cluster =
            new LocalRaftCluster(
                dir,
                3,
                GROUPS,
                TICK_MILLIS,
                true,
                false,
                ReadOnlyOption.SAFE,
                RaftHost.Options.defaults(),
                GrpcRaftTransport.Options.DEFAULT);
        ProposalStream acked = startProposals(cluster, 8, GROUPS, "c", 3_000)) {
      acked.awaitMore(500);
      long led =
          cluster
              .node(3)
              .host
              .inspect(
                  m ->
                      m.values().stream()
                          .filter(r -> r.role() == io.rangedb.raft.Role.LEADER)
                          .count())
              .get();
      assertTrue(led > GROUPS / 4, "node 3 leads only " + led + " groups");
      cluster.stop(3);
      acked.awaitMore(500);
      cluster.restart(3);
      acked.awaitMore(500);
      acked.stop();
      assertTrue(acked.acknowledged() >= 1_500, "acknowledged " + acked.acknowledged());

      List<LocalRaftNode> nodes = cluster.liveNodes();
      assertEquals(3, nodes.size());
      awaitConvergence(cluster, nodes, 120);
      for (LocalRaftNode n : nodes) {
        assertNull(n.stateMachine.failure(), "node " + n.id);
        System.err.printf(
            "node %d applied %d commands; %d proposals acknowledged, %d of %d attempts failed%n",
            n.id,
            n.stateMachine.commands(),
            acked.acknowledged(),
            acked.failures(),
            acked.attempts());
      }
      assertAcknowledgedAppliedOnceInOneOrder(cluster, nodes, acked);
    }
  }

  /**
   * With {@code storedState} the state machines keep their record in their stores ({@link
   * io.rangedb.raft.host.RaftHost.DurableStateMachine}): compactions then store no image, node 3
   * gets images taken when they are sent, and a restarted node resumes from its own store.
   */
  @ParameterizedTest(name = "state machines kept in the stores: {0}")
  @ValueSource(booleans = {false, true})
  void aHostThatMissedCompactedEntriesCatchesUpFromSnapshotsOverGrpc(boolean storedState)
      throws Exception {
    int groups = 8;
    try (LocalRaftCluster cluster = compactingCluster(groups, storedState)) {
      List<String> acknowledged = proposeWithNode3Down(cluster, groups);
      long created =
          cluster.liveNodes().stream().mapToLong(n -> n.host.stats().snapshotsCreated).sum();
      assertTrue(created >= groups, "logs were compacted: " + created + " snapshots");

      for (long node = 1; node <= 2; node++) {
        for (long g = 1; g <= groups; g++) {
          Snapshot s = cluster.node(node).logs.storage(g).snapshot();
          assertTrue(s.index() > 1, "group " + g + " compacted on node " + node);
          assertEquals(
              storedState,
              s.data().length == 0,
              "group " + g + " on node " + node + ": an image in the log only when not stored");
        }
      }

      List<LocalRaftNode> nodes = restartNode3FromSnapshots(cluster, groups);
      assertSameEverywhere(cluster, nodes, acknowledged);
      if (storedState) {
        for (long g = 1; g <= groups; g++) {
          assertEquals(
              0,
              cluster.node(3).logs.storage(g).snapshot().data().length,
              "group " + g + ": node 3's log records the snapshots it received without images");
        }
        // Streamed into its store chunk by chunk, each image was dropped once restored.
        assertEquals(0, cluster.node(3).heldImageKeys(), "images held after their restores");
      }

      // A node whose log is compacted restarts from its own snapshot, then its log; or, keeping
      // its state in its store, from there, restoring nothing.
      cluster.stop(1);
      cluster.restart(1);
      nodes = cluster.liveNodes();
      long restores = cluster.node(1).stateMachine.restores();
      assertTrue(storedState ? restores == 0 : restores >= groups, "restores: " + restores);
      awaitConvergence(cluster, nodes, 60);
      assertSameEverywhere(cluster, nodes, acknowledged);
    }
  }

  /** Stops node 3, then commits 400 commands spread over the groups; returns them. */
  private static List<String> proposeWithNode3Down(LocalRaftCluster cluster, int groups)
      throws Exception {
    cluster.balanceLeaders(1.0);
    cluster.stop(3);
    List<String> acknowledged = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      String cmd = "k" + i;
      cluster.propose(1 + i % groups, cmd.getBytes(UTF_8), 10_000);
      acknowledged.add(cmd);
    }
    return acknowledged;
  }

  /**
   * Restarts node 3, waits for every node to agree, and checks that node 3 caught up through a
   * snapshot of every group; returns the live nodes.
   */
  private static List<LocalRaftNode> restartNode3FromSnapshots(LocalRaftCluster cluster, int groups)
      throws Exception {
    cluster.restart(3);
    List<LocalRaftNode> nodes = cluster.liveNodes();
    awaitConvergence(cluster, nodes, 60);
    assertTrue(
        cluster.node(3).stateMachine.restores() >= groups,
        "node 3 caught up through snapshots: " + cluster.node(3).stateMachine.restores());
    return nodes;
  }

  /**
   * Snapshot sends paced far below what the link carries still bring a host that missed compacted
   * entries up to date: the images wait for their senders' credit (their deadlines allow for it),
   * and every group is restored and agrees everywhere.
   */
  @Test
  void aHostCatchesUpFromSnapshotsPacedToAFewBytesASecond() throws Exception {
    int groups = 8;
    GrpcRaftTransport.Options paced =
        GrpcRaftTransport.Options.DEFAULT.withSnapshotBytesPerSecond(1_024);
    try (LocalRaftCluster cluster = compactingCluster(groups, true, paced)) {
      List<String> acknowledged = proposeWithNode3Down(cluster, groups);
      List<LocalRaftNode> nodes = restartNode3FromSnapshots(cluster, groups);
      long waits = cluster.node(1).snapshotPacingWaits() + cluster.node(2).snapshotPacingWaits();
      assertTrue(waits > 0, "snapshot chunks waited for credit " + waits + " times");
      assertSameEverywhere(cluster, nodes, acknowledged);
    }
  }

  /**
   * Every group's replica moves from node 1 to a new node 4 over gRPC with RocksDB, under a stream
   * of proposals: node 4 joins with empty logs, is added as a learner and catches up from snapshots
   * (the logs are compacted), then takes node 1's place, step by step in half of the groups and
   * through a joint configuration in the others. Node 1 destroys its replicas and stops; node 4
   * restarts from its own store. Every acknowledged proposal is applied exactly once, in the same
   * order, on nodes 2, 3 and 4.
   */
  @Test
  void everyGroupMovesToANewNodeOverGrpcUnderLoad() throws Exception {
    int groups = 40;
    try (LocalRaftCluster cluster = compactingCluster(groups);
        ProposalStream acked = startProposals(cluster, 4, groups, "m", 5_000)) {
      acked.awaitMore(300);
      cluster.join(4);
      for (long g = 1; g <= groups; g++) {
        cluster.changeMembers(g, ConfChange.addLearner(4), 30_000);
      }
      for (long g = 1; g <= groups; g++) {
        handLeadershipAway(cluster, g, 1, 2);
        if (g % 2 == 0) {
          cluster.changeMembers(g, ConfChange.replaceVoter(1, 4), 30_000);
        } else {
          cluster.changeMembers(g, ConfChange.addVoter(4), 30_000);
          cluster.changeMembers(g, ConfChange.remove(1), 30_000);
        }
      }
      for (long g = 1; g <= groups; g++) {
        cluster.node(1).host.removeGroup(g).get(30, TimeUnit.SECONDS);
      }
      cluster.stop(1);
      acked.awaitMore(300);
      cluster.stop(4);
      cluster.restart(4);
      acked.awaitMore(300);
      acked.stop();

      assertEquals(List.of(), LocalRaftNode.storedGroups(cluster.dirOf(1)), "node 1 kept logs");
      List<LocalRaftNode> nodes = cluster.liveNodes();
      assertEquals(Set.of(2L, 3L, 4L), nodes.stream().map(n -> n.id).collect(Collectors.toSet()));
      awaitConvergence(cluster, nodes, 120);
      System.err.printf(
          "moved %d groups to node 4: %d proposals acknowledged; restarted node 4 restored %d snapshots%n",
          groups, acked.acknowledged(), cluster.node(4).stateMachine.restores());
      assertTrue(
          cluster.node(4).stateMachine.restores() >= groups,
          "restarted node 4 started from its snapshots: "
              + cluster.node(4).stateMachine.restores());
      assertAcknowledgedAppliedOnceInOneOrder(cluster, nodes, acked);
      for (long g : cluster.groups()) {
        long group = g;
        ConfState conf =
            cluster.node(4).host.inspect(m -> m.get(group).confState()).get(30, TimeUnit.SECONDS);
        assertEquals(Set.of(2L, 3L, 4L), conf.voters(), "group " + g);
        assertTrue(conf.votersOutgoing().isEmpty() && conf.learners().isEmpty(), conf.toString());
      }
    }
  }

  /** A leader never removes itself: move leadership of {@code group} off {@code from} first. */
  private static void handLeadershipAway(LocalRaftCluster cluster, long group, long from, long to)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (Long.valueOf(from).equals(cluster.leaders().get(group))) {
      if (System.nanoTime() > deadline) {
        fail("node " + from + " still leads group " + group);
      }
      cluster.node(from).host.transferLeadership(group, to);
      Thread.sleep(100);
    }
  }

  /**
   * Every node applied the same commands in every group, in the same order, none twice, and every
   * acknowledged one among them.
   */
  private static void assertAcknowledgedAppliedOnceInOneOrder(
      LocalRaftCluster cluster, List<LocalRaftNode> nodes, ProposalStream acked) {
    for (long g : cluster.groups()) {
      List<String> reference = nodes.get(0).stateMachine.applied(g);
      for (LocalRaftNode n : nodes) {
        assertNull(n.stateMachine.failure(), "node " + n.id);
        assertEquals(reference, n.stateMachine.applied(g), "group " + g + " on node " + n.id);
      }
      assertEquals(
          reference.size(),
          new HashSet<>(reference).size(),
          "group " + g + " applied a command twice: " + reference);
      Set<String> missing = new HashSet<>(acked.acknowledged(g));
      reference.forEach(missing::remove);
      assertTrue(missing.isEmpty(), "group " + g + " lost acknowledged commands " + missing);
    }
  }

  private static void assertSameEverywhere(
      LocalRaftCluster cluster, List<LocalRaftNode> nodes, List<String> acknowledged) {
    List<String> all = new ArrayList<>();
    for (long g : cluster.groups()) {
      List<String> reference = nodes.get(0).stateMachine.applied(g);
      for (LocalRaftNode n : nodes) {
        assertNull(n.stateMachine.failure(), "node " + n.id);
        assertEquals(reference, n.stateMachine.applied(g), "group " + g + " on node " + n.id);
      }
      all.addAll(reference);
    }
    assertEquals(new HashSet<>(acknowledged), new HashSet<>(all));
    assertEquals(acknowledged.size(), all.size(), "every command applied exactly once");
  }

  /** Three nodes whose hosts snapshot and truncate every group's log every 20 entries. */
  private LocalRaftCluster compactingCluster(int groups) throws Exception {
    return compactingCluster(groups, false);
  }

  private LocalRaftCluster compactingCluster(int groups, boolean storedState) throws Exception {
    return compactingCluster(groups, storedState, GrpcRaftTransport.Options.DEFAULT);
  }

  private LocalRaftCluster compactingCluster(
      int groups, boolean storedState, GrpcRaftTransport.Options transport) throws Exception {
    return new LocalRaftCluster(
        dir,
        3,
        groups,
        TICK_MILLIS,
        true,
        storedState,
        ReadOnlyOption.SAFE,
        RaftHost.Options.defaults().withCompactAfterEntries(20),
        transport);
  }

  /** Client threads proposing to random groups of {@code cluster}, after leaders are spread. */
  private static ProposalStream startProposals(
      LocalRaftCluster cluster, int threads, int groups, String prefix, long timeoutMillis)
      throws Exception {
    cluster.balanceLeaders(0.9);
    return new ProposalStream(cluster, threads, groups, prefix, timeoutMillis);
  }

  /** Waits until every node has applied the same commands in every group. */
  private static void awaitConvergence(
      LocalRaftCluster cluster, List<LocalRaftNode> nodes, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      boolean same = true;
      for (long g : cluster.groups()) {
        int size = nodes.get(0).stateMachine.applied(g).size();
        for (LocalRaftNode n : nodes) {
          same &= n.stateMachine.applied(g).size() == size;
        }
      }
      if (same) {
        return;
      }
      Thread.sleep(100);
    }
  }
}
