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
    CompletableFuture<Role> r = host.inspect(g -> g.get(GROUP).role());
    runLoop();
    return r.join();
  }

  /** A one-voter group on this host, elected: its own fsync is all a commit waits for. */
  private void electSoleVoter() {
    store.bootstrap(GROUP, ConfState.ofVoters(1L));
    host.addGroup(GROUP, RaftConfig.defaults(1));
    runLoop();
    for (int i = 0; i < 100 && role() != Role.LEADER; i++) {
      host.tick();
      runLoop();
      runSyncs();
    }
    assertEquals(Role.LEADER, role());
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
}
