package io.rangedb.raft.host;

import static io.rangedb.raft.ConfChange.addLearner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.HardState;
import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LogStorage;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.RawNode;
import io.rangedb.raft.Role;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.transport.AssemblingSink;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.SimulatedNetwork;
import io.rangedb.raft.transport.Transport;
import io.rangedb.raft.transport.VirtualTime;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Hosts over a {@link RaftHost.DurableStateMachine}, which keeps its state itself (as a range
 * replica keeps its data in the store): compactions copy no state into the Raft log, a follower
 * that needs a snapshot gets an image taken when it is sent, and a reopened group resumes where its
 * state machine stands instead of replaying the log.
 */
class DurableStateMachineTest {
  private static final long GROUP = 1;
  private static final long TICK = 10;
  private static final long COMPACT_AFTER = 20;

  private final VirtualTime loop = new VirtualTime();
  private final SplittableRandom rng = new SplittableRandom(5);
  private final SimulatedNetwork network = new SimulatedNetwork(rng.split(), loop);
  private final Map<Long, MemoryLogStore> stores = new TreeMap<>();
  private final Map<Long, Machine> machines = new TreeMap<>();
  private final Map<Long, RaftHost> hosts = new TreeMap<>();
  private final Map<Long, Integer> incarnation = new TreeMap<>();
  private final Map<Long, Boolean> running = new TreeMap<>();
  private int nextCommand;
  private RaftHost.Options hostOptions =
      RaftHost.Options.defaults().withCompactAfterEntries(COMPACT_AFTER);

  /**
   * One node's state machine: per group, the commands applied in order and the index of the last
   * entry applied. It outlives its host, as state on disk does: a restarted host gets it back.
   */
  private static final class Machine implements RaftHost.DurableStateMachine {
    final Map<Long, List<String>> commands = new TreeMap<>();
    final Map<Long, Long> applied = new TreeMap<>();
    int imagesTaken;
    int restores;
    int entriesApplied;

    /** The index each image this machine took was labelled with, by the host that sent it. */
    final List<Long> imageIndexes = new ArrayList<>();

    byte[] lastRestoredImage;

    /** The index of each snapshot this machine was restored from. */
    final List<Long> restoredIndexes = new ArrayList<>();

    @Override
    public void apply(long groupId, Entry e) {
      long last = appliedIndex(groupId);
      if (e.index() != last + 1) {
        throw new AssertionError("group " + groupId + " applied " + e.index() + " after " + last);
      }
      if (e.type() == EntryType.NORMAL && e.data().length > 0) {
        commands
            .computeIfAbsent(groupId, g -> new ArrayList<>())
            .add(new String(e.data(), StandardCharsets.UTF_8));
      }
      applied.put(groupId, e.index());
      entriesApplied++;
    }

    /** Per group, the images received and not yet restored, by index (its disk holds them). */
    final Map<Long, TreeMap<Long, byte[]>> held = new TreeMap<>();

    @Override
    public ImageSink receiveImage(long groupId, Snapshot snapshot) {
      return new AssemblingSink(
          image ->
              held.computeIfAbsent(groupId, g -> new TreeMap<>()).put(snapshot.index(), image));
    }

    @Override
    public boolean holdsImage(long groupId, long index) {
      return held.getOrDefault(groupId, new TreeMap<>()).containsKey(index);
    }

    @Override
    public void restore(long groupId, Snapshot snapshot) {
      assertEquals(0, snapshot.data().length, "the log's snapshot carries no image");
      List<String> image = new ArrayList<>();
      if (snapshot.index() <= 1) {
        // A founding member's initial state: nothing applied yet.
        commands.put(groupId, image);
        applied.put(groupId, snapshot.index());
        return;
      }
      byte[] data = held.getOrDefault(groupId, new TreeMap<>()).get(snapshot.index());
      if (data == null) {
        throw new AssertionError("no image received for " + snapshot);
      }
      held.get(groupId).headMap(snapshot.index(), true).clear();
      lastRestoredImage = data;
      ByteBuffer in = ByteBuffer.wrap(data);
      long index = in.getLong();
      assertEquals(snapshot.index(), index, "an image is labelled with the index it was taken at");
      while (in.hasRemaining()) {
        byte[] cmd = new byte[in.getInt()];
        in.get(cmd);
        image.add(new String(cmd, StandardCharsets.UTF_8));
      }
      commands.put(groupId, image);
      applied.put(groupId, snapshot.index());
      restores++;
      restoredIndexes.add(snapshot.index());
    }

    @Override
    public ImageSource takeImage(long groupId) {
      List<String> mine = commands.getOrDefault(groupId, List.of());
      int size = Long.BYTES + mine.stream().mapToInt(c -> Integer.BYTES + c.length()).sum();
      ByteBuffer out = ByteBuffer.allocate(size).putLong(appliedIndex(groupId));
      for (String c : mine) {
        byte[] b = c.getBytes(StandardCharsets.UTF_8);
        out.putInt(b.length).put(b);
      }
      imagesTaken++;
      imageIndexes.add(appliedIndex(groupId));
      return ImageSource.of(out.array());
    }

    @Override
    public long appliedIndex(long groupId) {
      return applied.getOrDefault(groupId, 0L);
    }

    /** Runs when the host destroys a group's state: a test's check of what holds by then. */
    Runnable onDestroy = () -> {};

    @Override
    public void destroy(long groupId) {
      onDestroy.run();
      commands.remove(groupId);
      applied.remove(groupId);
      held.remove(groupId);
      destroyed.add(groupId);
    }

    final List<Long> destroyed = new ArrayList<>();
  }

  private void startNodes(int count) {
    network.conditions.minDelay = 1;
    network.conditions.maxDelay = 3;
    for (long id = 1; id <= count; id++) {
      MemoryLogStore store = new MemoryLogStore();
      store.bootstrap(GROUP, ConfState.ofVoters(founders(count)));
      stores.put(id, store);
      machines.put(id, new Machine());
      start(id);
    }
    run(3_000);
  }

  private static Long[] founders(int count) {
    Long[] ids = new Long[count];
    for (int i = 0; i < count; i++) {
      ids[i] = i + 1L;
    }
    return ids;
  }

  /** Snapshot sends held back while {@link #holdingSnapshots}, until a test lets them go. */
  private final List<Runnable> heldSnapshots = new ArrayList<>();

  private boolean holdingSnapshots;

  /** {@code inner}, its snapshot sends held back while the test says so. */
  private Transport holdingSnapshots(Transport inner) {
    return new Transport() {
      @Override
      public void send(long toNode, List<Envelope> batch) {
        inner.send(toNode, batch);
      }

      @Override
      public void sendSnapshot(long toNode, Envelope snapshotMessage, ImageSource image) {
        Runnable send = () -> inner.sendSnapshot(toNode, snapshotMessage, image);
        if (holdingSnapshots) {
          heldSnapshots.add(send);
        } else {
          send.run();
        }
      }
    };
  }

  /** Starts (or restarts) a node's host over its store and its state machine. */
  private void start(long node) {
    int inc = incarnation.merge(node, 1, Integer::sum);
    running.put(node, true);
    network.setDown(node, false);
    RaftHost[] self = new RaftHost[1];
    RaftHost host =
        new RaftHost(
            node,
            stores.get(node),
            holdingSnapshots(network.attach(node, new CurrentHostReceiver(self))),
            task -> loop.after(0, () -> runIfCurrent(node, inc, task)),
            task -> loop.after(1, () -> runIfCurrent(node, inc, task)),
            rng.split(),
            machines.get(node),
            hostOptions);
    self[0] = host;
    hosts.put(node, host);
    host.addGroup(GROUP, RaftConfig.defaults(node));
    tick(node, inc);
  }

  private void runIfCurrent(long node, int inc, Runnable task) {
    if (running.get(node) && incarnation.get(node) == inc) {
      task.run(); // a stopped host does nothing more
    }
  }

  private void tick(long node, int inc) {
    loop.after(
        TICK,
        () -> {
          if (running.get(node) && incarnation.get(node) == inc) {
            hosts.get(node).tick();
            tick(node, inc);
          }
        });
  }

  /** Stops a node's host: nothing it has written is lost (its store is not crashed). */
  private void stop(long node) {
    running.put(node, false);
    network.setDown(node, true);
  }

  private void run(long millis) {
    loop.runUntil(loop.now() + millis);
  }

  private long leader() {
    for (var e : hosts.entrySet()) {
      if (!running.get(e.getKey())) {
        continue;
      }
      CompletableFuture<Role> role =
          e.getValue()
              .inspect(groups -> groups.get(GROUP) == null ? null : groups.get(GROUP).role());
      run(0);
      if (role.join() == Role.LEADER) {
        return e.getKey();
      }
    }
    throw new AssertionError("group " + GROUP + " has no leader");
  }

  /** Proposes {@code n} commands one after another through the leader, each applied there. */
  private void commitCommands(int n) {
    commitCommands(n, 0);
  }

  /** As {@link #commitCommands(int)}, each command padded with {@code padding} bytes. */
  private void commitCommands(int n, int padding) {
    for (int i = 0; i < n; i++) {
      String command = "c" + nextCommand++ + ".".repeat(padding);
      CompletableFuture<Long> f =
          hosts.get(leader()).propose(GROUP, command.getBytes(StandardCharsets.UTF_8));
      run(50);
      assertTrue(f.isDone() && !f.isCompletedExceptionally(), "committed: " + f);
    }
    run(500); // followers learn the last commit (quiesce heartbeat) and apply it
  }

  private Snapshot logSnapshot(long node) {
    return stores.get(node).storage(GROUP).snapshot();
  }

  @Test
  void compactionsRecordWhereTheLogStartsAndCopyNoState() {
    startNodes(3);
    commitCommands(60);
    List<String> expected = machines.get(leader()).commands.get(GROUP);
    assertEquals(60, expected.size());
    for (long node = 1; node <= 3; node++) {
      Snapshot s = logSnapshot(node);
      assertTrue(s.index() >= COMPACT_AFTER, "node " + node + " compacted: " + s);
      assertEquals(0, s.data().length, "node " + node + "'s compactions hold no image: " + s);
      assertTrue(stores.get(node).storage(GROUP).firstIndex() > 1, "node " + node + " truncated");
      assertEquals(0, machines.get(node).imagesTaken, "no image is taken for a compaction");
      assertEquals(expected, machines.get(node).commands.get(GROUP), "node " + node);
    }
  }

  /**
   * With large commands and no limit on entries, a limit in bytes alone keeps each replica's log
   * short: after many limits' worth of commands, every log holds between one and two limits of its
   * latest entries (plus one), and the state is whole.
   */
  @Test
  void aLogLimitedInBytesKeepsBetweenOneAndTwoLimitsOfItsLatestEntries() {
    long limit = 16 << 10;
    hostOptions = RaftHost.Options.defaults().withCompactAfterBytes(limit);
    startNodes(3);
    commitCommands(200, 1_000); // about 200 KB: twelve limits
    List<String> expected = machines.get(leader()).commands.get(GROUP);
    assertEquals(200, expected.size());
    for (long node = 1; node <= 3; node++) {
      LogStorage log = stores.get(node).storage(GROUP);
      long bytes = 0;
      for (Entry e : log.entries(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE)) {
        bytes += e.sizeBytes();
      }
      assertTrue(log.firstIndex() > 150, "node " + node + " dropped its older entries: " + log);
      assertTrue(
          bytes >= limit - 1_100 && bytes <= 2 * limit + 1_100,
          "node " + node + " keeps " + bytes + " bytes of log, limit " + limit);
      assertEquals(0, machines.get(node).imagesTaken, "no image is taken for a compaction");
      assertEquals(expected, machines.get(node).commands.get(GROUP), "node " + node);
    }
  }

  @Test
  void aFollowerBehindTheCompactedLogGetsAnImageTakenWhenItIsSent() {
    startNodes(3);
    commitCommands(5);
    long lagging = leader() == 3 ? 2 : 3;
    stop(lagging);
    commitCommands(60);
    long leader = leader();
    long compactedThrough = logSnapshot(leader).index();
    assertTrue(
        compactedThrough >= stores.get(lagging).storage(GROUP).lastIndex(),
        "the log the lagging node needs is gone from the leader");

    start(lagging);
    run(2_000);

    Machine sender = machines.get(leader);
    Machine receiver = machines.get(lagging);
    assertEquals(1, receiver.restores, "the lagging node was restored from one snapshot");
    assertEquals(List.of(receiver.restoredIndexes.get(0)), sender.imageIndexes);
    assertTrue(
        sender.imageIndexes.get(0) >= compactedThrough,
        "the image is labelled with what the leader had applied when it sent it, "
            + sender.imageIndexes
            + ", not with its log's compaction at "
            + compactedThrough);
    assertEquals(0, logSnapshot(leader).data().length, "the leader's log still holds no image");
    assertEquals(
        receiver.restoredIndexes.get(0),
        logSnapshot(lagging).index(),
        "the receiver's log records the snapshot");
    assertEquals(0, logSnapshot(lagging).data().length, "without its image");
    RaftHost.Stats stats = hosts.get(lagging).stats();
    assertTrue(stats.snapshotChunksReceived.get() > 1, "the image arrived in chunks");
    assertEquals(1, stats.snapshotsReceived.get(), "into the state machine's sink");
    assertEquals(Map.of(GROUP, new TreeMap<Long, byte[]>()), receiver.held, "and was let go");
    assertEquals(sender.commands.get(GROUP), receiver.commands.get(GROUP));

    // Replication goes on from the image's index, though the leader sent its log's older one.
    commitCommands(5);
    assertEquals(70, receiver.commands.get(GROUP).size());
    assertEquals(sender.commands.get(GROUP), receiver.commands.get(GROUP));
  }

  /**
   * Two followers of five need a snapshot while the leader may have one image in flight: it takes
   * one image, defers the other follower's snapshot without taking an image (its leader tries again
   * later), and sends it once the first send's outcome is in.
   */
  @Test
  void imagesInFlightStayWithinTheLimitAndTheDeferredSnapshotGoesOnceOneEnds() {
    hostOptions = hostOptions.withMaxImagesInFlight(1);
    startNodes(5);
    commitCommands(5);
    long leader = leader();
    List<Long> lagging = new ArrayList<>();
    for (long node = 1; node <= 5 && lagging.size() < 2; node++) {
      if (node != leader) {
        lagging.add(node);
      }
    }
    lagging.forEach(this::stop);
    commitCommands(60);
    assertEquals(leader, leader(), "the same leader throughout");
    assertTrue(logSnapshot(leader).index() > 5, "the log the lagging nodes need is gone");

    holdingSnapshots = true;
    lagging.forEach(this::start);
    run(2_000);
    Machine sender = machines.get(leader);
    RaftHost.Stats stats = hosts.get(leader).stats();
    assertEquals(1, sender.imagesTaken, "one image at a time");
    assertEquals(1, heldSnapshots.size(), "one snapshot sent");
    assertEquals(1, stats.imagesInFlight);
    assertTrue(stats.snapshotsDeferred > 0, "the other follower's snapshot was deferred");

    holdingSnapshots = false;
    heldSnapshots.forEach(Runnable::run);
    heldSnapshots.clear();
    run(3_000);
    assertEquals(2, sender.imagesTaken, "the deferred snapshot went once the first one ended");
    assertEquals(0, stats.imagesInFlight);
    for (long node : lagging) {
      assertEquals(1, machines.get(node).restores, "node " + node + " restored from a snapshot");
      assertEquals(sender.commands.get(GROUP), machines.get(node).commands.get(GROUP));
    }
  }

  @Test
  void aSnapshotStreamBrokenHalfWayLeavesNothingBehindAndTheNextOneIsRestored() {
    network.conditions.snapshotChunkBytes = 16; // a stream of many chunks
    startNodes(3);
    commitCommands(5);
    long lagging = leader() == 3 ? 2 : 3;
    stop(lagging);
    commitCommands(60);
    Machine receiver = machines.get(lagging);

    start(lagging);
    RaftHost.Stats stats = hosts.get(lagging).stats();
    for (int i = 0; i < 5_000 && stats.snapshotChunksReceived.get() == 0; i++) {
      run(1);
    }
    assertTrue(stats.snapshotChunksReceived.get() > 0, "an image began to arrive");
    assertEquals(0, stats.snapshotsReceived.get(), "and was not finished yet");
    stop(lagging); // the stream breaks with the node
    run(500);
    assertEquals(1, stats.snapshotStreamsAborted.get(), "the half-received image was dropped");
    assertEquals(Map.of(), receiver.held, "nothing of it is held");
    assertEquals(0, receiver.restores);

    start(lagging);
    run(3_000);
    assertEquals(1, receiver.restores, "the next stream was received whole and restored");
    commitCommands(5);
    assertEquals(machines.get(leader()).commands.get(GROUP), receiver.commands.get(GROUP));
  }

  @Test
  void aReopenedGroupResumesWhereItsStateMachineStandsWithoutReplayingTheLog() {
    startNodes(3);
    commitCommands(30);
    long follower = leader() == 1 ? 2 : 1;
    Machine m = machines.get(follower);
    long appliedBefore = m.appliedIndex(GROUP);
    int entriesBefore = m.entriesApplied;
    stop(follower);
    start(follower);
    run(500);
    // Had it replayed anything at or below its applied index, apply would have thrown.
    assertEquals(entriesBefore, m.entriesApplied, "nothing applied again after the restart");
    assertEquals(appliedBefore, m.appliedIndex(GROUP));
    assertEquals(0, m.restores);

    commitCommands(10);
    assertEquals(40, m.commands.get(GROUP).size());
    assertEquals(machines.get(leader()).commands.get(GROUP), m.commands.get(GROUP));
  }

  @Test
  void aRestoreThatDidNotReachTheDiskIsRepairedFromTheImageTheStateMachineStillHolds() {
    startNodes(3);
    commitCommands(5);
    long lagging = leader() == 3 ? 2 : 3;
    stop(lagging);
    commitCommands(60);
    start(lagging);
    run(2_000);
    Machine receiver = machines.get(lagging);
    assertEquals(1, receiver.restores);
    Snapshot kept = logSnapshot(lagging);
    assertEquals(kept.index(), receiver.restoredIndexes.get(0), "the log records the snapshot");
    byte[] image = receiver.lastRestoredImage;

    // A crash lost the state machine's restore (and what it applied after it, and its dropping
    // of the image, written with it), not the log's record of the snapshot, which was durable
    // before the restore began, nor the image, which was before that.
    stop(lagging);
    receiver.held.computeIfAbsent(GROUP, g -> new TreeMap<>()).put(kept.index(), image);
    receiver.commands.put(GROUP, new ArrayList<>(List.of("c0", "c1", "c2", "c3", "c4")));
    receiver.applied.put(GROUP, kept.index() - 60);
    start(lagging);
    run(1_000);

    assertEquals(2, receiver.restores, "restored again, from the image it held");
    assertEquals(kept.index(), receiver.restoredIndexes.get(1));
    commitCommands(5);
    assertEquals(machines.get(leader()).commands.get(GROUP), receiver.commands.get(GROUP));
    assertEquals(70, receiver.commands.get(GROUP).size());
  }

  @Test
  void aStateMachineAheadOfItsLogIsRefused() {
    MemoryLogStore store = new MemoryLogStore();
    store.bootstrap(GROUP, ConfState.ofVoters(1L, 2L, 3L));
    assertRefusedToOpen(store, 50, "past the end of its Raft log");
  }

  @Test
  void aStateMachineBehindACompactionWhichHoldsNoImageIsRefused() {
    assertRefusedToOpen(compactedWithoutImage(20, 20), 10, "holds no image");
  }

  /** Opening the group with a state machine that applied through {@code held} fails, saying why. */
  private void assertRefusedToOpen(MemoryLogStore store, long held, String why) {
    Machine m = new Machine();
    m.applied.put(GROUP, held);
    Throwable refused = openAlone(store, m);
    assertInstanceOf(IllegalStateException.class, refused);
    assertTrue(refused.getMessage().contains(why), refused.getMessage());
  }

  @Test
  void removingAReplicaDropsItsStateOnceItsLogIsDestroyed() {
    MemoryLogStore store = logOfThirtyEntries();
    Machine m = new Machine();
    List<Runnable> tasks = new ArrayList<>();
    RaftHost host = aloneOn(store, m, tasks);
    CompletableFuture<Void> opened = host.addGroup(GROUP, RaftConfig.defaults(1));
    runAll(tasks);
    assertTrue(opened.isDone() && !opened.isCompletedExceptionally(), "opened: " + opened);
    assertEquals(30, m.appliedIndex(GROUP), "it applied what the log holds committed");

    m.onDestroy =
        () ->
            assertEquals(
                0,
                store.durable(GROUP).lastIndex(),
                "the state goes only once the log's destruction is on disk");
    CompletableFuture<Void> removed = host.removeGroup(GROUP);
    runAll(tasks);
    assertTrue(removed.isDone() && !removed.isCompletedExceptionally(), "removed: " + removed);
    assertEquals(List.of(GROUP), m.destroyed);
    assertEquals(0, store.storage(GROUP).lastIndex(), "the log is destroyed");
  }

  @Test
  void stateLeftByACrashAfterTheLogWasDestroyedIsDroppedWhenTheGroupIsOpenedAgain() {
    MemoryLogStore store = logOfThirtyEntries();
    try (LogBatch b = store.newBatch()) {
      store.destroy(b, GROUP);
      b.commit();
    }
    Machine m = new Machine();
    m.applied.put(GROUP, 30L); // its own destroy did not reach the disk
    m.commands.put(GROUP, new ArrayList<>(List.of("old")));

    assertEquals(null, openAlone(store, m));
    assertEquals(List.of(GROUP), m.destroyed);
    assertEquals(0, m.appliedIndex(GROUP), "a replica opened again starts empty");
  }

  @Test
  void aReopenedGroupKeepsTheMembershipItsAppliedChangesMade() {
    startNodes(3);
    commitCommands(3);
    long leader = leader();
    CompletableFuture<Long> added = hosts.get(leader).proposeConfChange(GROUP, addLearner(4));
    run(500);
    assertTrue(added.isDone() && !added.isCompletedExceptionally(), "added: " + added);
    commitCommands(3);
    long follower = leader == 1 ? 2 : 1;
    ConfState before = confState(follower);
    assertEquals(java.util.Set.of(4L), before.learners(), "the follower applied the change");
    assertTrue(logSnapshot(follower).index() < added.join(), "the change is after the snapshot");

    stop(follower);
    start(follower);
    run(500);
    // Resumed past the change, so the host does not apply it again: the core takes it from the log.
    assertEquals(before, confState(follower), "membership after reopening");
  }

  @Test
  void aSnapshotMessageWhoseImageIsNoLongerHeldIsNotStepped() {
    MemoryLogStore store = compactedWithoutImage(30, 25);
    Machine m = appliedThrough(30);
    List<Runnable> tasks = new ArrayList<>();
    RaftHost host = aloneOn(store, m, tasks);
    host.addGroup(GROUP, RaftConfig.defaults(1));
    runAll(tasks);
    // A newer leader's snapshot whose image was dropped after it arrived (by a restore, an apply
    // past it, or the replica's removal): taking it would leave nothing to restore.
    host.receive(
        2,
        List.of(
            env(
                toNode1(MessageType.SNAP, 9)
                    .snapshot(new Snapshot(50, 9, ConfState.ofVoters(1L, 2L, 3L), null)))));
    runAll(tasks);
    assertEquals(null, host.failure(), "the host keeps running");
    assertEquals(List.of(), m.restoredIndexes);
    assertEquals(1, host.stats().snapshotsWithoutImage);
    assertEquals(30, store.storage(GROUP).snapshot().index(), "the log did not take it");
  }

  @Test
  void aSnapshotMessageOfALeadershipLostInTheSameCycleIsDropped() {
    MemoryLogStore store = compactedWithoutImage(30, 25);
    Machine m = appliedThrough(30);
    List<Runnable> tasks = new ArrayList<>();
    List<Message> sent = new ArrayList<>();
    Transport recording =
        new Transport() {
          @Override
          public void send(long toNode, List<Envelope> batch) {
            batch.forEach(e -> sent.add(e.message()));
          }

          @Override
          public void sendSnapshot(long toNode, Envelope e, ImageSource image) {
            image.close();
            sent.add(e.message());
          }
        };
    RaftHost host =
        new RaftHost(
            1,
            store,
            recording,
            tasks::add,
            tasks::add,
            rng.split(),
            m,
            RaftHost.Options.defaults());
    host.addGroup(GROUP, RaftConfig.defaults(1));
    runAll(tasks);
    // Node 1 wins an election with node 2's votes.
    host.inspect(groups -> groups.get(GROUP)).thenAccept(RawNode::campaign);
    runAll(tasks);
    host.receive(2, List.of(env(toNode1(MessageType.PRE_VOTE_RESP, highestTerm(sent)))));
    runAll(tasks);
    long term = highestTerm(sent);
    host.receive(2, List.of(env(toNode1(MessageType.VOTE_RESP, term))));
    runAll(tasks);
    CompletableFuture<Role> role = host.inspect(groups -> groups.get(GROUP).role());
    runAll(tasks);
    assertEquals(Role.LEADER, role.join());

    // In one batch: node 3 turns out to need a snapshot (its log ends below the compaction), and
    // node 2, leading in a newer term, installs one past everything node 1 applied.
    sent.clear();
    byte[] image = ByteBuffer.allocate(Long.BYTES).putLong(50).array();
    m.held.computeIfAbsent(GROUP, g -> new TreeMap<>()).put(50L, image); // streamed in before
    host.receive(
        3,
        List.of(
            env(
                toNode1(MessageType.APP_RESP, term)
                    .from(3)
                    .index(30)
                    .reject(true)
                    .rejectHint(5)
                    .logTerm(1))));
    host.receive( // from node 2, before the loop runs: the host takes both in one cycle
        2,
        List.of(
            env(
                toNode1(MessageType.SNAP, term + 1)
                    .snapshot(new Snapshot(50, term + 1, ConfState.ofVoters(1L, 2L, 3L), null)))));
    runAll(tasks);

    assertEquals(null, host.failure(), "the host keeps running");
    assertEquals(List.of(50L), m.restoredIndexes, "node 1 installed the newer leader's snapshot");
    assertEquals(0, m.imagesTaken, "and sent no image of the leadership it lost");
    assertTrue(
        sent.stream().noneMatch(x -> x.type() == MessageType.SNAP),
        "no snapshot message left: " + sent);
  }

  /** A machine that has applied through {@code index}. */
  private static Machine appliedThrough(long index) {
    Machine m = new Machine();
    m.applied.put(GROUP, index);
    return m;
  }

  private static Message.Builder toNode1(MessageType type, long term) {
    return Message.builder(type).from(2).to(1).term(term);
  }

  private static Envelope env(Message.Builder m) {
    return new Envelope(GROUP, m.build());
  }

  private static long highestTerm(List<Message> sent) {
    return sent.stream().mapToLong(Message::term).max().orElse(1);
  }

  private ConfState confState(long node) {
    CompletableFuture<ConfState> cs =
        hosts.get(node).inspect(groups -> groups.get(GROUP).confState());
    run(0);
    return cs.join();
  }

  /**
   * {@link #logOfThirtyEntries} compacted as for a durable state machine: a snapshot record at
   * {@code snapshotAt} without an image, entries through {@code through} dropped.
   */
  private static MemoryLogStore compactedWithoutImage(long snapshotAt, long through) {
    MemoryLogStore store = logOfThirtyEntries();
    LogStorage log = store.storage(GROUP);
    log.createSnapshot(snapshotAt, ConfState.ofVoters(1L, 2L, 3L), new byte[0]);
    log.compact(through);
    return store;
  }

  /** A founding member's log of group {@link #GROUP} with entries through index 30. */
  private static MemoryLogStore logOfThirtyEntries() {
    MemoryLogStore store = new MemoryLogStore();
    store.bootstrap(GROUP, ConfState.ofVoters(1L, 2L, 3L));
    LogStorage log = store.storage(GROUP);
    List<Entry> entries = new ArrayList<>();
    for (long i = log.lastIndex() + 1; i <= 30; i++) {
      entries.add(new Entry(1, i, EntryType.NORMAL, new byte[] {1}));
    }
    try (LogBatch batch = store.newBatch()) {
      log.stage(batch, new HardState(1, 0, 30), entries, null);
      batch.commit();
    }
    return store;
  }

  /** Opens the group on a single host over {@code store}; returns why it failed, or null. */
  private Throwable openAlone(MemoryLogStore store, Machine m) {
    List<Runnable> tasks = new ArrayList<>();
    CompletableFuture<Void> opened =
        aloneOn(store, m, tasks).addGroup(GROUP, RaftConfig.defaults(1));
    runAll(tasks);
    assertTrue(opened.isDone());
    try {
      opened.join();
      return null;
    } catch (CompletionException e) {
      return e.getCause();
    }
  }

  /** A host with no peers whose loop and syncer tasks go to {@code tasks}. */
  private RaftHost aloneOn(MemoryLogStore store, Machine m, List<Runnable> tasks) {
    return new RaftHost(
        1,
        store,
        new NowhereTransport(),
        tasks::add,
        tasks::add,
        rng.split(),
        m,
        RaftHost.Options.defaults());
  }

  private static void runAll(List<Runnable> tasks) {
    while (!tasks.isEmpty()) {
      tasks.remove(0).run();
    }
  }
}
