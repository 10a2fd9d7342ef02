package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfChange;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.ProposalOutcomeUnknownException;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.Role;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.Transport;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The host writes a cycle's Readys and goes on while the syncer fsyncs them: nothing is applied or
 * acknowledged before the fsync, and what is written meanwhile is made durable by the next one.
 */
class RaftHostSyncTest {
  private static final long GROUP = 7;

  // Concurrent: one test runs the loop and the syncer on threads of their own.
  private final Deque<Runnable> loop = new ConcurrentLinkedDeque<>();
  private final Deque<Runnable> syncer = new ConcurrentLinkedDeque<>();
  private final MemoryLogStore store = new MemoryLogStore();

  /** Set to make the next fsync fail. */
  private RuntimeException failNextSync;

  /** The host's store: {@link #store}, whose next sync can be made to fail. */
  private final LogStore disk =
      new LogStore() {
        @Override
        public io.rangedb.raft.LogBatch newBatch() {
          return store.newBatch();
        }

        @Override
        public void sync() {
          RuntimeException e = failNextSync;
          failNextSync = null;
          if (e != null) {
            throw e;
          }
          store.sync();
        }

        @Override
        public io.rangedb.raft.LogStorage storage(long groupId) {
          return store.storage(groupId);
        }

        @Override
        public void destroy(io.rangedb.raft.LogBatch batch, long groupId) {
          store.destroy(batch, groupId);
        }
      };

  private final List<Long> applied = new ArrayList<>();

  /** In which loop cycle each entry ("group/index") was written. */
  private final java.util.Map<String, Long> writtenInCycle = new java.util.HashMap<>();

  /** What the host sent, in order. */
  private final List<Envelope> sent = new CopyOnWriteArrayList<>();

  /** For each acknowledgement of {@link #GROUP} sent: the durable last index of its log then. */
  private final List<Long> durableAtAck = new ArrayList<>();

  /** For each acknowledgement of {@link #GROUP} sent: whether its DURABLE stage was traced. */
  private final List<Boolean> tracedDurableAtAck = new ArrayList<>();

  /** The "group/index" of each entry whose DURABLE stage the host traced. */
  private final java.util.Set<String> tracedDurable = ConcurrentHashMap.newKeySet();

  /** What the host sent once it had stopped. */
  private final List<Envelope> sentAfterStop = new CopyOnWriteArrayList<>();

  /** Runs inside the next send to node 2, after it was recorded. */
  private volatile Runnable duringSendToTwo;

  private final RaftHost host =
      new RaftHost(
          1,
          disk,
          new Transport() {
            @Override
            public void send(long toNode, List<Envelope> batch) {
              for (Envelope e : batch) {
                if (e.groupId() == GROUP && e.message().type() == MessageType.APP_RESP) {
                  durableAtAck.add(store.durable(GROUP).lastIndex());
                  tracedDurableAtAck.add(tracedDurable.contains(GROUP + "/" + e.message().index()));
                }
              }
              if (RaftHostSyncTest.this.host.failure() != null) {
                sentAfterStop.addAll(batch);
              }
              sent.addAll(batch);
              Runnable during = duringSendToTwo;
              if (toNode == 2 && during != null) {
                duringSendToTwo = null;
                during.run();
              }
            }

            @Override
            public void sendSnapshot(long toNode, Envelope snapshotMessage, ImageSource image) {
              image.close();
              sent.add(snapshotMessage);
            }
          },
          loop::add,
          syncer::add,
          new SplittableRandom(1),
          new RaftHost.StateMachine() {
            @Override
            public void apply(long groupId, Entry entry) {
              applied.add(entry.index());
            }

            @Override
            public void restore(long groupId, Snapshot snapshot) {}
          },
          RaftHost.Options.defaults()
              .withTrace(
                  (group, index, stage, node, peer) -> {
                    if (stage == CommitTrace.Stage.DURABLE) {
                      tracedDurable.add(group + "/" + index);
                    }
                    if (stage == CommitTrace.Stage.WRITTEN) {
                      writtenInCycle.put(group + "/" + index, this.host.stats().cycles);
                    }
                  }));

  private void runLoop() {
    Runnable r;
    while ((r = loop.poll()) != null) {
      r.run();
    }
  }

  private void runSyncs() {
    while (!syncer.isEmpty()) {
      syncer.poll().run();
      runLoop();
    }
  }

  private Role role() {
    return role(GROUP);
  }

  private Role role(long group) {
    CompletableFuture<Role> r = host.inspect(g -> g.get(group).role());
    runLoop();
    return r.join();
  }

  /** A one-voter group on this host, elected: its own fsync is all a commit waits for. */
  private void electSoleVoter() {
    electSoleVoter(GROUP);
  }

  private void electSoleVoter(long group) {
    elect(group, ConfState.ofVoters(1L));
  }

  /**
   * Bootstraps {@code group} with {@code voters} and ticks this host into its leader, node 2
   * granting the votes asked of it and acknowledging the new leader's appends, so the group
   * settles.
   */
  private void elect(long group, ConfState voters) {
    store.bootstrap(group, voters);
    host.addGroup(group, RaftConfig.defaults(1));
    runLoop();
    for (int i = 0; i < 100 && role(group) != Role.LEADER; i++) {
      host.tick();
      runLoop();
      runSyncs();
      answerAsNodeTwo(group);
    }
    assertEquals(Role.LEADER, role(group));
    runSyncs();
    answerAsNodeTwo(group);
  }

  /** Node 2 grants what this host asked of it for {@code group}: votes, and appends. */
  private void answerAsNodeTwo(long group) {
    for (Envelope e : List.copyOf(sent)) {
      Message m = e.message();
      if (e.groupId() != group || m.to() != 2) {
        continue;
      }
      switch (m.type()) {
        case PRE_VOTE, VOTE -> {
          MessageType answer =
              m.type() == MessageType.PRE_VOTE ? MessageType.PRE_VOTE_RESP : MessageType.VOTE_RESP;
          host.receive(
              2,
              List.of(
                  new Envelope(
                      group, Message.builder(answer).from(2).to(1).term(m.term()).build())));
        }
        case APP -> host.receive(2, List.of(ack(group, m)));
        default -> {}
      }
    }
    sent.clear();
    runLoop();
    runSyncs();
  }

  @Test
  void aProposalCommitsOnlyOnceItsWriteIsSynced() {
    electSoleVoter();
    long before = store.durable(GROUP).lastIndex();
    CompletableFuture<Long> f = host.propose(GROUP, "x".getBytes());
    runLoop();
    assertFalse(f.isDone(), "written, not yet durable: not committed");
    assertEquals(before, store.durable(GROUP).lastIndex());
    assertEquals(1, syncer.size());
    assertFalse(applied.contains(before + 1));

    runSyncs();
    assertTrue(f.isDone());
    assertEquals(before + 1, f.join());
    assertEquals(before + 1, store.durable(GROUP).lastIndex());
    assertTrue(applied.contains(before + 1));
  }

  @Test
  void proposalsThatArriveDuringASyncShareTheNextOne() {
    electSoleVoter();
    long syncsBefore = store.commits();
    CompletableFuture<Long> first = host.propose(GROUP, "a".getBytes());
    runLoop();
    List<CompletableFuture<Long>> waiting = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      waiting.add(host.propose(GROUP, ("b" + i).getBytes()));
      runLoop();
    }
    assertEquals(1, syncer.size(), "one fsync at a time");
    runSyncs();
    assertTrue(first.isDone());
    waiting.forEach(w -> assertTrue(w.isDone()));
    assertEquals(2, store.commits() - syncsBefore, "the five later proposals took one fsync");
  }

  /**
   * A Ready that writes nothing (here a read to serve; on a leader, commits to apply and their
   * proposers to answer) need not wait for an fsync of other groups' writes. Waiting cost a commit
   * up to one more fsync on its path. (Since 2026-12-02 a Ready that writes does not wait for one
   * either; it waits only for the fsync that covers its own write.)
   */
  @Test
  void readyThatWritesNothingIsNotHeldBackByAnotherGroupsFsync() {
    electSoleVoter(GROUP);
    electSoleVoter(GROUP + 1);
    CompletableFuture<Long> write = host.propose(GROUP, "a".getBytes());
    runLoop();
    assertEquals(1, syncer.size(), "group 7's write waits for its fsync");

    CompletableFuture<Long> read = host.readIndex(GROUP + 1);
    runLoop();
    assertTrue(read.isDone(), "group 8's read was served during the fsync");
    assertFalse(write.isDone());
    CompletableFuture<Long> laterWrite = host.propose(GROUP + 1, "b".getBytes());
    runLoop();
    assertFalse(laterWrite.isDone(), "a write commits only once an fsync covers it");
    runSyncs();
    assertTrue(write.isDone() && laterWrite.isDone());
  }

  /**
   * A group's proposal made while another group's write is being synced is written at once and its
   * appends leave at once: only its own durability waits for the next fsync. Until 2026-12-02 the
   * group's whole Ready waited for the fsync in progress, appends included, which put up to one
   * more fsync on the followers' path to a commit.
   */
  @Test
  void aLeadersAppendsLeaveWhileAnotherGroupsWriteIsBeingSynced() {
    electSoleVoter(GROUP);
    long shared = GROUP + 1;
    elect(shared, ConfState.ofVoters(1L, 2L, 3L));
    CompletableFuture<Long> first = host.propose(GROUP, "a".getBytes());
    runLoop();
    assertEquals(1, syncer.size(), "group 7's write is being synced");

    sent.clear();
    int unsynced = store.unsyncedWrites();
    CompletableFuture<Long> second = host.propose(shared, "b".getBytes());
    runLoop();
    Message append = appendTo(2, shared);
    assertEquals("b", new String(append.entries().get(0).data()), "the append left at once");
    assertEquals(unsynced + 1, store.unsyncedWrites(), "and the entry was written at once");
    assertEquals(1, syncer.size(), "the running sync will pick it up when it ends");

    host.receive(2, List.of(ack(shared, append)));
    runLoop();
    assertFalse(second.isDone(), "the leader counts itself only once its own write is durable");
    long syncsBefore = store.commits();
    runSyncs();
    assertTrue(first.isDone() && second.isDone());
    assertEquals(1, store.commits() - syncsBefore, "one fsync covered both groups' writes");
  }

  /** The last append the host sent to {@code node} for {@code group}. */
  private Message appendTo(long node, long group) {
    Message found = null;
    for (Envelope e : sent) {
      if (e.groupId() == group
          && e.message().type() == MessageType.APP
          && e.message().to() == node) {
        found = e.message();
      }
    }
    assertTrue(found != null, "no append to node " + node + " for group " + group + " in " + sent);
    return found;
  }

  /**
   * One log write per cycle, also when applying makes more to write. One batch from node 2 brings
   * the acknowledgement that commits group 8's joint membership change and an append that group 9
   * (which node 2 leads) must write. Applying the change makes group 8's leader propose to leave
   * the joint configuration: that entry waits for the next cycle, which the host starts on its own,
   * instead of a second write in this one. The change's future answers once the leave is applied.
   */
  @Test
  void aCycleWritesOnceEvenWhenApplyingProposesMore() {
    long joint = 8;
    long follower = 9;
    elect(joint, ConfState.ofVoters(1L, 2L));
    store.bootstrap(follower, ConfState.ofVoters(1L, 2L));
    host.addGroup(follower, RaftConfig.defaults(1));
    runLoop();
    CompletableFuture<Long> change =
        host.proposeConfChange(
            joint,
            new ConfChange(
                ConfChange.Transition.JOINT_IMPLICIT,
                List.of(new ConfChange.Change(ConfChange.ChangeType.ADD_LEARNER, 3))));
    runLoop();
    runSyncs(); // the leader's own write is durable; node 2 has not acknowledged yet
    Message append = appendTo(joint);
    long lastBefore = lastIndex(joint);
    long writes = store.writes();

    host.receive(2, List.of(ack(joint, append), appendFromNodeTwo(follower, 1, "f")));
    runLoop();

    // Counted before anything else reaches the loop: the second cycle came by itself.
    assertEquals(2, store.writes() - writes, "group 9's entry, then the leave entry");
    long leave = lastIndex(joint);
    assertEquals(lastBefore + 1, leave, "the leave entry was proposed");
    assertTrue(
        writtenInCycle.get(joint + "/" + leave) > writtenInCycle.get(follower + "/2"),
        "the leave entry waited for the cycle after the one that wrote group 9's entry");
    assertFalse(change.isDone(), "entered the joint configuration; not left yet");

    runSyncs();
    host.receive(2, List.of(ack(joint, appendTo(joint))));
    runLoop();
    runSyncs();
    assertEquals(append.entries().get(0).index(), change.join(), "answered once it was left");
  }

  /**
   * A follower's acknowledgement leaves as soon as the fsync of its entries returns, from the
   * syncer, not once the loop gets to the fsync's completion: under load the loop is in the middle
   * of a cycle then, and the acknowledgement waited for it (docs/benchmarks.md, "Acknowledgements
   * sent by the syncer"). Never before the entry is durable, and traced durable before it leaves.
   */
  @Test
  void aFollowersAcknowledgementLeavesWhenItsFsyncReturnsBeforeTheLoopRuns() {
    store.bootstrap(GROUP, ConfState.ofVoters(1L, 2L));
    host.addGroup(GROUP, RaftConfig.defaults(1));
    runLoop();
    host.receive(2, List.of(appendFromNodeTwo(GROUP, 1, "x")));
    runLoop();
    assertTrue(acksTo(2).isEmpty(), "nothing acknowledged before the fsync: " + sent);
    assertEquals(1, syncer.size());

    syncer.poll().run(); // the fsync returns; the loop has not run since
    assertEquals(List.of(2L), acksTo(2), "acknowledged by the syncer");
    assertEquals(List.of(2L), durableAtAck, "the log's durable last index when the ack left");
    assertEquals(List.of(true), tracedDurableAtAck, "DURABLE traced before the ack left");
    assertFalse(loop.isEmpty(), "the loop still has the completion to finish");
    runLoop();
    assertEquals(List.of(2L), acksTo(2), "and not acknowledged a second time by the loop");
  }

  /**
   * A host that stops (here: an invariant fails on its loop) while its syncer sends a flight's
   * acknowledgements stops once they are all out, so that nothing leaves after it stopped. Loop and
   * syncer run on threads of their own; the stop comes after the first of the flight's two sends.
   */
  @Test
  void aHostStoppingWhileItsSyncerSendsSendsNothingAfterItStopped() throws Exception {
    long other = 8;
    store.bootstrap(GROUP, ConfState.ofVoters(1L, 2L, 3L));
    store.bootstrap(other, ConfState.ofVoters(1L, 2L, 3L));
    host.addGroup(GROUP, RaftConfig.defaults(1));
    host.addGroup(other, RaftConfig.defaults(1));
    runLoop();
    Message fromThree = appendFromNodeTwo(other, 1, "y").message().toBuilder().from(3).build();
    host.receive(2, List.of(appendFromNodeTwo(GROUP, 1, "x")));
    host.receive(3, List.of(new Envelope(other, fromThree)));
    runLoop(); // one write: the acknowledgements to nodes 2 and 3 wait for its fsync
    assertEquals(1, syncer.size());

    CountDownLatch sendingToTwo = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    duringSendToTwo =
        () -> {
          sendingToTwo.countDown();
          awaitQuietly(resume);
        };
    Thread syncerThread = Thread.ofPlatform().start(() -> syncer.poll().run());
    assertTrue(sendingToTwo.await(10, TimeUnit.SECONDS));
    Thread loopThread =
        Thread.ofPlatform()
            .start(
                () -> {
                  host.inspect(
                      groups -> {
                        throw new IllegalStateException("an invariant failed (test)");
                      });
                  runLoop();
                });
    // Unordered, the stop would be done well within this; ordered, it waits for the sends.
    loopThread.join(200);
    resume.countDown();
    syncerThread.join(10_000);
    loopThread.join(10_000);
    assertFalse(syncerThread.isAlive() || loopThread.isAlive());
    assertTrue(host.failure() != null, "stopped");
    assertEquals(List.of(), sentAfterStop, "sent after the host stopped");
    assertEquals(List.of(2L), acksTo(2), "the flight went out whole, before the stop");
    assertTrue(
        sent.stream()
            .anyMatch(
                e ->
                    e.groupId() == other
                        && e.message().type() == MessageType.APP_RESP
                        && e.message().to() == 3),
        "node 3's acknowledgement too: " + sent);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The indexes this host acknowledged to {@code node} for {@link #GROUP}, in order. */
  private List<Long> acksTo(long node) {
    List<Long> out = new ArrayList<>();
    for (Envelope e : sent) {
      Message m = e.message();
      if (e.groupId() == GROUP && m.type() == MessageType.APP_RESP && m.to() == node) {
        out.add(m.index());
      }
    }
    return out;
  }

  /**
   * Node 2, leader of {@code group} in term 2, appends {@code commands} after the founders' index 1
   * (so at indexes 2, 3, ...) and says what it has committed.
   */
  private static Envelope appendFromNodeTwo(long group, long commit, String... commands) {
    List<Entry> entries = new ArrayList<>();
    for (String c : commands) {
      entries.add(new Entry(2, 2 + entries.size(), EntryType.NORMAL, c.getBytes()));
    }
    return new Envelope(
        group,
        Message.builder(MessageType.APP)
            .from(2)
            .to(1)
            .term(2)
            .index(1)
            .logTerm(1)
            .entries(entries)
            .commit(commit)
            .build());
  }

  /** The last append with entries that this host sent to node 2 for {@code group}. */
  private Message appendTo(long group) {
    Message last = null;
    for (Envelope e : sent) {
      if (e.groupId() == group
          && e.message().type() == MessageType.APP
          && !e.message().entries().isEmpty()) {
        last = e.message();
      }
    }
    sent.clear();
    return java.util.Objects.requireNonNull(last, "no append to node 2 for group " + group);
  }

  /**
   * A group removed while its last write waits for the fsync is destroyed once that write is
   * durable: nothing of it is applied afterwards, the waiting proposal learns that its outcome is
   * unknown.
   */
  @Test
  void aGroupRemovedWhileItsWriteSyncsIsDestroyedOnceItIsDurable() {
    electSoleVoter();
    CompletableFuture<Long> pending = host.propose(GROUP, "x".getBytes());
    runLoop();
    assertEquals(1, syncer.size(), "written, waiting for its fsync");
    int appliedBefore = applied.size();

    CompletableFuture<Void> removed = host.removeGroup(GROUP);
    runLoop();
    assertTrue(pending.isCompletedExceptionally());
    Throwable why = assertThrows(CompletionException.class, pending::join).getCause();
    assertTrue(why instanceof ProposalOutcomeUnknownException, why.toString());
    assertFalse(removed.isDone(), "its write is not durable yet");

    runSyncs();
    assertTrue(removed.isDone() && !removed.isCompletedExceptionally());
    assertEquals(appliedBefore, applied.size(), "nothing applied after the removal");
    assertEquals(0, store.durable(GROUP).lastIndex(), "its log is gone from the disk");
    CompletableFuture<Long> late = host.propose(GROUP, "y".getBytes());
    runLoop();
    assertTrue(
        assertThrows(CompletionException.class, late::join).getCause()
            instanceof IllegalArgumentException);
    CompletableFuture<Void> unknown = host.removeGroup(GROUP);
    runLoop();
    assertTrue(
        assertThrows(CompletionException.class, unknown::join).getCause()
            instanceof IllegalArgumentException);
  }

  /**
   * Removing a replica costs no fsync of its own and never stalls the loop on one: its log is
   * destroyed by the cycle's one batch write, beside other groups' entries, and made durable by the
   * syncer with them. Until then the removal is not complete, the disk still holds the log, and the
   * group opened again meanwhile waits for it, so that it starts from an empty log.
   */
  @Test
  void aRemovalSharesTheCyclesWriteAndItsFsync() {
    electSoleVoter(GROUP);
    electSoleVoter(GROUP + 1);
    long lastOfRemoved = store.durable(GROUP).lastIndex();
    assertTrue(lastOfRemoved > 0);
    long writes = host.stats().batchCommits;
    long fsyncs = store.commits();

    CompletableFuture<Void> removed = host.removeGroup(GROUP);
    CompletableFuture<Long> other = host.propose(GROUP + 1, "x".getBytes());
    runLoop();
    assertEquals(writes + 1, host.stats().batchCommits, "one write for the removal and the entry");
    assertEquals(fsyncs, store.commits(), "no fsync on the loop");
    assertEquals(1, syncer.size());
    assertFalse(removed.isDone(), "not durable yet");
    assertEquals(lastOfRemoved, store.durable(GROUP).lastIndex(), "not on the disk before a sync");
    CompletableFuture<Void> early = host.addGroup(GROUP, RaftConfig.defaults(1));
    runLoop();
    assertFalse(early.isDone(), "opened again only once the old log is gone");

    runSyncs();
    assertEquals(fsyncs + 1, store.commits(), "one fsync for both");
    assertTrue(removed.isDone() && !removed.isCompletedExceptionally());
    assertEquals(0, store.durable(GROUP).lastIndex(), "its log is gone from the disk");
    assertTrue(early.isDone() && !early.isCompletedExceptionally(), "then open again");
    CompletableFuture<Long> last = host.inspect(g -> g.get(GROUP).lastIndex());
    runLoop();
    assertEquals(0, last.join(), "on an empty log");
    assertTrue(store.durable(GROUP).lostLog().index() >= lastOfRemoved, "where it ended is kept");
    assertTrue(other.isDone() && !other.isCompletedExceptionally(), "the other group committed");

    // A removal with nothing else to write gets a write of its own, synced by the syncer too.
    CompletableFuture<Void> alone = host.removeGroup(GROUP + 1);
    runLoop();
    assertEquals(writes + 2, host.stats().batchCommits);
    assertEquals(fsyncs + 1, store.commits(), "still no fsync on the loop");
    assertFalse(alone.isDone());
    runSyncs();
    assertTrue(alone.isDone() && !alone.isCompletedExceptionally());
    assertEquals(0, store.durable(GROUP + 1).lastIndex());
    CompletableFuture<Void> back = host.addGroup(GROUP + 1, RaftConfig.defaults(1));
    runLoop();
    assertTrue(back.isDone() && !back.isCompletedExceptionally(), "open again once destroyed");
  }

  /**
   * The future a removal returns is the caller's: completing it (or timing it out) does not make
   * the host take the removal for done, and a reopening waits for the log to be gone all the same.
   */
  @Test
  @org.junit.jupiter.api.Timeout(30)
  void aRemovalsFutureCompletedByItsCallerLeavesTheRemovalAndAWaitingReopeningAlone() {
    electSoleVoter(GROUP);
    long lastOfRemoved = store.durable(GROUP).lastIndex();
    CompletableFuture<Void> removed = host.removeGroup(GROUP);
    runLoop();
    removed.complete(null); // e.g. completeOnTimeout
    CompletableFuture<Void> reopened = host.addGroup(GROUP, RaftConfig.defaults(1));
    runLoop();
    assertFalse(reopened.isDone(), "the old log is not gone yet");
    assertEquals(lastOfRemoved, store.durable(GROUP).lastIndex());
    runSyncs();
    assertEquals(0, store.durable(GROUP).lastIndex(), "gone now");
    assertTrue(reopened.isDone() && !reopened.isCompletedExceptionally(), reopened.toString());
  }

  /**
   * A host that stops while a removal's write waits for its fsync (here the fsync fails) answers
   * that removal with the failure, and the group's reopening waiting for it: nobody is left
   * waiting.
   */
  @Test
  void aRemovalWhoseWriteNeverBecomesDurableFailsWithTheHost() {
    electSoleVoter(GROUP);
    CompletableFuture<Void> removed = host.removeGroup(GROUP);
    runLoop();
    assertEquals(1, syncer.size(), "the destroy is written, its fsync queued");
    CompletableFuture<Void> reopened = host.addGroup(GROUP, RaftConfig.defaults(1));
    runLoop();
    failNextSync = new IllegalStateException("disk gone (test)");
    runSyncs();
    assertTrue(host.failure() != null);
    assertTrue(
        assertThrows(CompletionException.class, removed::join).getCause()
            instanceof HostFailedException);
    assertTrue(
        assertThrows(CompletionException.class, reopened::join).getCause()
            instanceof HostFailedException);
    assertTrue(store.durable(GROUP).lastIndex() > 0, "never synced: the disk keeps the log");
  }

  /** A host that failed opens no sink for a snapshot: the image would be held for good. */
  @Test
  void aFailedHostTakesNoSnapshotStream() {
    electSoleVoter(GROUP);
    host.propose(GROUP, new byte[] {1});
    runLoop();
    failNextSync = new IllegalStateException("disk gone (test)");
    runSyncs();
    assertTrue(host.failure() != null);
    Envelope header =
        new Envelope(
            GROUP,
            Message.builder(MessageType.SNAP)
                .from(2)
                .to(1)
                .term(9)
                .snapshot(new Snapshot(50, 9, ConfState.ofVoters(1L, 2L), null))
                .build());
    assertThrows(HostFailedException.class, () -> host.snapshotSink(2, header));
  }

  /** Opens {@code group}, founded by nodes 1 and 2, on this host (node 1), which has not led it. */
  private long openAsFollowerOfNodeTwo(long group) {
    store.bootstrap(group, ConfState.ofVoters(1L, 2L));
    host.addGroup(group, RaftConfig.defaults(1));
    runLoop();
    return group;
  }

  /**
   * A follower told to commit entries it acknowledged and no longer has lost its fsynced log (no
   * replica was destroyed here to explain it): the host stops, saying so, instead of going on with
   * a log that broke its promise; its callers get {@link HostFailedException}.
   */
  @Test
  void aFollowerThatLostItsAcknowledgedLogStopsTheHost() {
    long group = openAsFollowerOfNodeTwo(9);
    Envelope heartbeat =
        new Envelope(
            group, Message.builder(MessageType.HEARTBEAT).from(2).to(1).term(2).commit(40).build());
    host.receive(2, List.of(heartbeat));
    runLoop();
    assertTrue(host.failure() != null, "the host stopped");
    assertTrue(
        host.failure().getMessage().contains("lost or truncated"), host.failure().toString());
    CompletableFuture<Long> after = host.propose(group, "x".getBytes());
    runLoop();
    assertTrue(
        assertThrows(CompletionException.class, after::join).getCause()
            instanceof HostFailedException);
  }

  /**
   * A follower's write that carries entries it may apply once durable: removed while it syncs, the
   * group applies none of them when the fsync ends, and its log is destroyed then.
   */
  @Test
  void aRemovedGroupAppliesNothingOfTheWriteThatWasSyncing() {
    long group = openAsFollowerOfNodeTwo(9);
    host.receive(2, List.of(appendFromNodeTwo(group, 3, "a", "b")));
    runLoop();
    assertEquals(1, syncer.size(), "entries 2 and 3 written, waiting for their fsync");
    CompletableFuture<Void> removed = host.removeGroup(group);
    runLoop();
    runSyncs();
    assertTrue(removed.isDone() && !removed.isCompletedExceptionally());
    assertEquals(List.of(), applied, "nothing applied after the removal");
    assertEquals(0, store.durable(group).lastIndex());
  }

  private long lastIndex(long group) {
    CompletableFuture<Long> last = host.inspect(g -> g.get(group).lastIndex());
    runLoop();
    return last.join();
  }

  /** Node 2's acknowledgement of {@code append}. */
  private static Envelope ack(long group, Message append) {
    long last = append.index() + append.entries().size();
    return new Envelope(
        group,
        Message.builder(MessageType.APP_RESP)
            .from(2)
            .to(1)
            .term(append.term())
            .index(last)
            .build());
  }

  /**
   * Once an fsync failed the host is stopped, and stays silent: a group that had work pending when
   * the failure reached the loop is not written or sent later, whatever wakes the loop again.
   */
  @Test
  void afterAFailedFsyncNothingPendingIsWrittenLater() {
    electSoleVoter(GROUP);
    electSoleVoter(GROUP + 1);
    failNextSync = new IllegalStateException("disk gone (test)");
    CompletableFuture<Long> first = host.propose(GROUP, "a".getBytes());
    runLoop();
    assertEquals(1, syncer.size());
    long writes = host.stats().batchCommits;
    // Group 8's proposal reaches the loop in the same cycle as the failed fsync, just before it.
    CompletableFuture<Long> second = host.propose(GROUP + 1, "b".getBytes());
    syncer.poll().run();
    runLoop();
    assertTrue(host.failure() != null, "the failed fsync stopped the host");
    host.tick(); // wakes the loop again
    runLoop();
    assertEquals(writes, host.stats().batchCommits, "nothing written after the failure");
    assertTrue(first.isCompletedExceptionally() && second.isCompletedExceptionally());
  }
}
