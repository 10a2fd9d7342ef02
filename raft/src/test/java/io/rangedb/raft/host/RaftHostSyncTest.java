package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.Role;
import io.rangedb.raft.Snapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The host writes a cycle's Readys and goes on while the syncer fsyncs them: nothing is applied or
 * acknowledged before the fsync, and what arrives meanwhile waits for the next one.
 */
class RaftHostSyncTest {
  private static final long GROUP = 7;

  private final ArrayDeque<Runnable> loop = new ArrayDeque<>();
  private final ArrayDeque<Runnable> syncer = new ArrayDeque<>();
  private final MemoryLogStore store = new MemoryLogStore();
  private final List<Long> applied = new ArrayList<>();

  private final RaftHost host =
      new RaftHost(
          1,
          store,
          new NowhereTransport(),
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
          RaftHost.Options.defaults());

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
    store.bootstrap(group, ConfState.ofVoters(1L));
    host.addGroup(group, RaftConfig.defaults(1));
    runLoop();
    for (int i = 0; i < 100 && role(group) != Role.LEADER; i++) {
      host.tick();
      runLoop();
      runSyncs();
    }
    assertEquals(Role.LEADER, role(group));
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
   * proposers to answer) need not wait for an fsync of other groups' writes: only Readys that write
   * do. Waiting cost a commit up to one more fsync on its path.
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
    assertFalse(laterWrite.isDone(), "a write still waits for the next fsync");
    runSyncs();
    assertTrue(write.isDone() && laterWrite.isDone());
  }
}
