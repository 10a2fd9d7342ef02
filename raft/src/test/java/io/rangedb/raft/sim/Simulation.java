package io.rangedb.raft.sim;

import io.rangedb.raft.ConfChange;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.Role;
import io.rangedb.raft.host.MemoryLogStore;
import io.rangedb.raft.transport.SimulatedNetwork;
import io.rangedb.raft.transport.VirtualTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One seeded run: N voters plus one spare server, clients issuing register reads and writes, an
 * operator changing membership and moving leadership, and a nemesis injecting message loss,
 * duplication, delay, partitions and crash-restarts. Everything derives from the seed; time is
 * virtual. Safety is checked as it runs, linearizability of the client history at the end.
 */
final class Simulation {
  static final long TICK_MS = 10;

  final long seed;
  final int voters;
  final SplittableRandom rng;
  final VirtualTime loop = new VirtualTime();
  final SimulatedNetwork network;
  final SafetyChecker safety = new SafetyChecker();
  final Map<Long, SimNode> nodes = new TreeMap<>();
  private final Map<Long, Long> tickIntervals = new TreeMap<>();
  final boolean lease;
  final boolean preVote;

  /**
   * A nemesis that goes after leaders fast (crash the leader, or cut it off with a minority, every
   * few tens of ms): the interleavings behind Figure 8 of the Raft paper need leaders to fail right
   * after they replicated to a minority.
   */
  final boolean leaderHunter;

  /** Leaders hold back commit-only appends until the node flushes them (as {@code RaftHost}). */
  final boolean deferCommit;

  /**
   * A replica removed from the group is stopped for good once the leader has applied its removal
   * (as a real system garbage-collects it), until the operator adds it back. Otherwise removed
   * replicas keep running, and keep campaigning with their stale configuration.
   */
  final boolean retireRemoved;

  private final List<Op> history = new ArrayList<>();
  private long nextOpId = 1;
  private boolean faultsOn = true;
  private int crashes;
  private int partitions;
  private int confChanges;
  private int transfers;

  /** The node the last leadership transfer went to, until it leads (0: none pending). */
  private long transferTarget;

  private long transferIssuedAt;

  /**
   * A target that leads within this long of the transfer counts as a completed transfer: an
   * election timeout (10 ticks) for the transfer to finish, and as long again for its messages.
   */
  private static final long TRANSFER_WINDOW_MS = 20 * TICK_MS;

  private int transfersCompleted;

  /** Writes not yet synced when a replica crashed: what the crash model may drop. */
  int unsyncedAtCrashes;

  private long okOps;
  private long okOpsAfterFaults;

  Simulation(long seed) {
    this.seed = seed;
    this.rng = new SplittableRandom(seed);
    this.voters = (seed & 1) == 0 ? 3 : 5;
    this.lease = rng.nextBoolean();
    this.preVote = rng.nextInt(4) != 0;
    this.leaderHunter = rng.nextInt(3) == 0;
    // Bit 1 of the seed, so that adding this setting left every other draw of a seed as it was.
    this.deferCommit = (seed & 2) != 0;
    this.retireRemoved = (seed & 4) != 0;
    this.network = new SimulatedNetwork(rng.split(), loop);
    network.conditions.minDelay = 1;
    network.conditions.maxDelay = 5 + rng.nextInt(25);
    Long[] founders = new Long[voters];
    for (int i = 0; i < voters; i++) {
      founders[i] = (long) (i + 1);
    }
    ConfState initial = ConfState.ofVoters(founders);
    for (long id = 1; id <= voters + 1; id++) {
      MemoryLogStore disk = new MemoryLogStore();
      if (id <= voters) {
        disk.bootstrap(SimNode.GROUP, initial);
      }
      RaftConfig cfg =
          RaftConfig.defaults(id)
              .withPreVote(preVote)
              .withReadOnlyOption(lease ? ReadOnlyOption.LEASE_BASED : ReadOnlyOption.SAFE)
              .withForwardProposals(rng.nextInt(4) != 0)
              .withLimits(1 + rng.nextInt(2000), 1 + rng.nextInt(8))
              .withMaxUncommittedBytes(rng.nextBoolean() ? 64 << 20 : 100 + rng.nextInt(400))
              .withDeferCommitBroadcast(deferCommit);
      SimNode n = new SimNode(id, this, disk, cfg, rng.split());
      n.transport = network.attach(id, n);
      nodes.put(id, n);
      // Clocks drift by up to 2% per node; the lease assumes up to 20% (2 of 10 ticks).
      tickIntervals.put(id, TICK_MS * 1000 + rng.nextLong(-200, 201));
    }
  }

  /** Tick interval in virtual ms (drifting clocks round differently per tick). */
  long tickInterval(long node) {
    long micros = tickIntervals.get(node);
    return micros / 1000 + (rng.nextLong(1000) < micros % 1000 ? 1 : 0);
  }

  /** Runs the scenario; throws AssertionError on any violation. Returns a one-line summary. */
  String run(long faultMillis, long settleMillis) {
    for (SimNode n : nodes.values()) {
      if (n.id <= voters) {
        n.start();
      } else {
        n.start(); // the spare runs with an empty configuration until it is added
      }
    }
    int clients = 3 + rng.nextInt(3);
    for (int c = 0; c < clients; c++) {
      int client = c;
      loop.after(rng.nextInt(50), () -> clientStep(client));
    }
    loop.after(100 + rng.nextInt(300), this::nemesis);
    loop.after(200 + rng.nextInt(300), this::operator);
    loop.runUntil(faultMillis);
    // Heal: no more faults, everybody up, then let the group settle under client load.
    faultsOn = false;
    network.heal();
    network.conditions.lossRate = 0;
    network.conditions.duplicateRate = 0;
    for (SimNode n : nodes.values()) {
      n.restartUnlessRetired();
    }
    long okBefore = okOps;
    loop.runUntil(faultMillis + settleMillis);
    okOpsAfterFaults = okOps - okBefore;
    checkEnd();
    return String.format(
        "seed=%d voters=%d lease=%s preVote=%s hunter=%s deferCommit=%s retire=%s events=%d leaders=%d crashes=%d partitions=%d"
            + " confChanges=%d (committed %d) transfers=%d (completed %d) ops=%d ok=%d"
            + " okAfterHeal=%d snapshots=%d",
        seed,
        voters,
        lease,
        preVote,
        leaderHunter,
        deferCommit,
        retireRemoved,
        loop.executed(),
        safety.leaderTerms(),
        crashes,
        partitions,
        confChanges,
        confChangesCommitted(),
        transfers,
        transfersCompleted,
        history.size(),
        okOps,
        okOpsAfterFaults,
        network.snapshotsDelivered());
  }

  private void checkEnd() {
    String lin = LinearizabilityChecker.check(history, safety.writeIndex);
    if (lin != null) {
      throw new AssertionError("linearizability: " + lin);
    }
    if (okOpsAfterFaults == 0) {
      throw new AssertionError("liveness: no operation succeeded after the faults healed");
    }
  }

  /** A replica became leader: checked for election safety, and counted if a transfer chose it. */
  void onLeader(long term, long node) {
    safety.onLeader(term, node);
    if (node == transferTarget && loop.now() - transferIssuedAt <= TRANSFER_WINDOW_MS) {
      transfersCompleted++;
    }
    transferTarget = 0;
  }

  /** Membership changes committed during the run. */
  int confChangesCommitted() {
    return safety.confChangesCommitted();
  }

  /** Leadership transfers whose target was the next leader, within {@link #TRANSFER_WINDOW_MS}. */
  int transfersCompleted() {
    return transfersCompleted;
  }

  long leader() {
    long found = 0;
    long term = -1;
    for (SimNode n : nodes.values()) {
      if (n.alive && n.raft.role() == Role.LEADER && n.raft.term() > term) {
        found = n.id;
        term = n.raft.term();
      }
    }
    return found;
  }

  // ------------------------------------------------------------------ clients

  private void clientStep(int client) {
    // A client sticks to the node that last served it (as a real client caches the leader), so a
    // deposed or partitioned leader keeps getting requests until it fails them.
    long target = preferred.computeIfAbsent(client, c -> pickTarget());
    String key = "k" + rng.nextInt(3);
    boolean write = rng.nextInt(100) < 60;
    Op op =
        new Op(
            nextOpId++,
            client,
            write ? Op.Kind.WRITE : Op.Kind.READ,
            key,
            write ? "v" + nextOpId : null,
            loop.now());
    history.add(op);
    SimNode n = nodes.get(target);
    opNode.put(op.id, n);
    opClient.put(op.id, client);
    loop.after(
        300,
        () -> {
          if (op.status == Op.Status.PENDING) {
            n.forget(op);
            if (op.kind == Op.Kind.WRITE) {
              finishUnknown(op);
            } else {
              finishFailed(op);
            }
          }
        });
    if (!n.alive) {
      finishFailed(op);
    } else if (write) {
      n.write(op);
    } else {
      n.read(op);
    }
  }

  private final Map<Long, SimNode> opNode = new TreeMap<>();
  private final Map<Integer, Long> preferred = new TreeMap<>();
  private final Map<Long, Integer> opClient = new TreeMap<>();

  private long pickTarget() {
    long lead = leader();
    if (lead != 0 && rng.nextInt(4) != 0) {
      return lead;
    }
    return 1 + rng.nextInt(nodes.size());
  }

  private void next(Op op) {
    int client = opClient.remove(op.id);
    opNode.remove(op.id);
    loop.after(rng.nextInt(20), () -> clientStep(client));
  }

  void finishOk(Op op, String readValue, long position) {
    if (op.status != Op.Status.PENDING) {
      return;
    }
    op.status = Op.Status.OK;
    op.completedAt = loop.now();
    op.readValue = readValue;
    op.readPosition = position;
    okOps++;
    next(op);
  }

  void finishFailed(Op op) {
    if (op.status != Op.Status.PENDING) {
      return;
    }
    op.status = Op.Status.FAILED;
    op.completedAt = loop.now();
    preferred.remove(op.client);
    next(op);
  }

  void finishUnknown(Op op) {
    if (op.status != Op.Status.PENDING) {
      return;
    }
    op.status = Op.Status.UNKNOWN;
    preferred.remove(op.client);
    next(op);
  }

  // ------------------------------------------------------------------ operator

  /** Membership changes and leadership transfers, through whoever leads. */
  private void operator() {
    if (!faultsOn) {
      return;
    }
    loop.after(150 + rng.nextInt(400), this::operator);
    long lead = leader();
    if (lead == 0) {
      return;
    }
    SimNode l = nodes.get(lead);
    ConfState cs = l.raft.confState();
    if (retireRemoved && l.settledConfiguration()) {
      retireNonMembers(cs);
    }
    if (rng.nextInt(3) == 0) {
      List<Long> others = new ArrayList<>(cs.voters());
      others.remove(lead);
      if (!others.isEmpty()) {
        transfers++;
        transferTarget = others.get(rng.nextInt(others.size()));
        transferIssuedAt = loop.now();
        l.transferLeadership(transferTarget);
      }
      return;
    }
    if (cs.isJoint()) {
      if (!cs.autoLeave()) {
        l.proposeConfChange(ConfChange.leaveJoint());
      }
      return;
    }
    Set<Long> members = new HashSet<>(cs.voters());
    members.addAll(cs.learners());
    List<Long> spares = new ArrayList<>();
    for (Long id : nodes.keySet()) {
      if (!members.contains(id)) {
        spares.add(id);
      }
    }
    List<Long> voterList = new ArrayList<>(cs.voters());
    ConfChange cc;
    if (!cs.learners().isEmpty()) {
      cc = ConfChange.addVoter(cs.learners().iterator().next()); // promote
    } else if (!spares.isEmpty() && rng.nextBoolean()) {
      long spare = spares.get(rng.nextInt(spares.size()));
      if (rng.nextBoolean()) {
        cc = ConfChange.addLearner(spare);
      } else {
        long old = voterList.get(rng.nextInt(voterList.size()));
        cc =
            rng.nextBoolean()
                ? ConfChange.replaceVoter(old, spare)
                : new ConfChange(ConfChange.Transition.JOINT_EXPLICIT, replace(old, spare));
      }
    } else if (voterList.size() > voters - 1 && voterList.size() > 2) {
      cc = ConfChange.remove(voterList.get(rng.nextInt(voterList.size())));
    } else {
      return;
    }
    confChanges++;
    for (ConfChange.Change change : cc.changes()) {
      if (change.type() != ConfChange.ChangeType.REMOVE) {
        nodes.get(change.node()).revive();
      }
    }
    l.proposeConfChange(cc);
  }

  /**
   * Stops for good the replicas that the leader's applied configuration no longer has. Called only
   * when no other configuration can still take effect (see {@link SimNode#settledConfiguration}),
   * as a real system garbage-collects only replicas that the committed configuration excludes.
   */
  private void retireNonMembers(ConfState cs) {
    Set<Long> members = new HashSet<>(cs.voters());
    members.addAll(cs.votersOutgoing());
    members.addAll(cs.learners());
    members.addAll(cs.learnersNext());
    for (SimNode n : nodes.values()) {
      if (!members.contains(n.id) && !n.retired) {
        n.retire();
      }
    }
  }

  private static List<ConfChange.Change> replace(long old, long fresh) {
    return List.of(
        new ConfChange.Change(ConfChange.ChangeType.ADD_VOTER, fresh),
        new ConfChange.Change(ConfChange.ChangeType.REMOVE, old));
  }

  // ------------------------------------------------------------------ nemesis

  private void huntLeader() {
    long lead = leader();
    switch (rng.nextInt(4)) {
      case 0 -> {
        if (lead != 0) {
          SimNode victim = nodes.get(lead);
          victim.crash();
          crashes++;
          loop.after(10 + rng.nextInt(150), victim::restartUnlessRetired);
        }
      }
      case 1 -> {
        if (lead != 0) {
          // The leader keeps one random peer: entries reach a minority only.
          Set<Long> side = new HashSet<>(Set.of(lead));
          List<Long> ids = new ArrayList<>(nodes.keySet());
          side.add(ids.get(rng.nextInt(ids.size())));
          network.heal();
          network.partition(side, 1);
          partitions++;
        }
      }
      case 2 -> network.heal();
      default -> {
        // Restart anything down, so the group does not run out of voters.
        for (SimNode n : nodes.values()) {
          n.restartUnlessRetired();
        }
      }
    }
  }

  private void nemesis() {
    if (!faultsOn) {
      return;
    }
    if (leaderHunter) {
      loop.after(20 + rng.nextInt(120), this::nemesis);
      huntLeader();
      return;
    }
    loop.after(100 + rng.nextInt(400), this::nemesis);
    switch (rng.nextInt(6)) {
      case 0 -> {
        // Crash a node; it restarts later with what it had fsynced.
        List<SimNode> up = nodes.values().stream().filter(n -> n.alive).toList();
        if (up.isEmpty()) {
          return; // all down: crashed, or retired once removed
        }
        SimNode victim = up.get(rng.nextInt(up.size()));
        victim.crash();
        crashes++;
        loop.after(20 + rng.nextInt(400), victim::restartUnlessRetired);
      }
      case 1 -> {
        // Partition: a random subset against the rest, healed later.
        Set<Long> side = new HashSet<>();
        for (Long id : nodes.keySet()) {
          if (rng.nextBoolean()) {
            side.add(id);
          }
        }
        network.heal();
        network.partition(side, 1);
        partitions++;
        loop.after(100 + rng.nextInt(800), network::heal);
      }
      case 2 -> {
        // Isolate the leader (a classic).
        long lead = leader();
        if (lead != 0) {
          network.heal();
          network.partition(Set.of(lead), 1);
          partitions++;
          loop.after(100 + rng.nextInt(800), network::heal);
        }
      }
      case 3 -> network.conditions.lossRate = rng.nextInt(3) == 0 ? 0.0 : rng.nextDouble() * 0.15;
      case 4 -> network.conditions.duplicateRate = rng.nextDouble() * 0.1;
      default -> network.conditions.maxDelay = 2 + rng.nextInt(40);
    }
  }
}
