package io.rangedb.raft.host;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.HardState;
import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LogStorage;
import io.rangedb.raft.LostLog;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MemoryLogStoreTest {
  private static final ConfState THREE = ConfState.ofVoters(1L, 2L, 3L);

  /** Stages {@code hs} and an entry at {@code index} (0: none) for {@code group}, synced. */
  private static void commit(MemoryLogStore store, long group, HardState hs, long index) {
    LogStorage log = store.storage(group);
    try (LogBatch b = store.newBatch()) {
      log.stage(
          b,
          hs,
          index == 0 ? List.of() : List.of(Entry.normal(1, index, ("e" + index).getBytes(UTF_8))),
          null);
      b.commit();
    }
  }

  /** Stages one entry (and a hard state) for {@code group} and writes it for a later sync. */
  private static LogBatch writeForLaterSync(MemoryLogStore store, long group, long index) {
    LogBatch b = store.newBatch();
    store
        .storage(group)
        .stage(
            b,
            new HardState(1, 0, 1),
            List.of(Entry.normal(1, index, ("e" + index).getBytes(UTF_8))),
            null);
    b.write();
    return b;
  }

  @Test
  void aWrittenBatchIsInvisibleUntilMarkedDurableAndDurableOnlyAfterASync() {
    MemoryLogStore store = new MemoryLogStore();
    store.bootstrap(1, THREE);
    LogBatch b = writeForLaterSync(store, 1, 2);
    assertEquals(1, store.storage(1).lastIndex(), "not visible before it is durable");
    assertEquals(1, store.durable(1).lastIndex(), "not durable before a sync");
    assertEquals(1, store.unsyncedWrites());
    store.sync();
    assertEquals(2, store.durable(1).lastIndex(), "the sync made it durable");
    assertEquals(1, store.storage(1).lastIndex(), "visible only once the host marks it");
    b.markDurable();
    assertEquals(2, store.storage(1).lastIndex());
    assertEquals(1, store.commits(), "one sync, one fsync");
  }

  /**
   * A log's destruction is staged into a batch like any write: invisible and undone by a crash
   * until the batch is synced, then permanent, with only the term, vote and where the log ended
   * left.
   */
  private LogBatch batch;

  /**
   * Group 1 with two entries (term 4, vote 3), destroyed in a batch written with group 2's entry.
   */
  private MemoryLogStore stagedDestroyOfGroup1() {
    MemoryLogStore store = new MemoryLogStore();
    store.bootstrap(1, THREE);
    store.bootstrap(2, THREE);
    commit(store, 1, new HardState(4, 3, 2), 2);
    batch = store.newBatch();
    store.destroy(batch, 1);
    store.storage(2).stage(batch, null, List.of(Entry.normal(1, 2, "e2".getBytes(UTF_8))), null);
    assertFalse(batch.isEmpty());
    batch.write();
    assertEquals(2, store.storage(1).lastIndex(), "visible until the batch is durable");
    return store;
  }

  @Test
  void aDestroyTakesEffectWithItsBatchAndNotBefore() {
    java.util.Set<String> afterCrashBeforeSync = new java.util.TreeSet<>();
    for (long seed = 1; seed <= 30; seed++) {
      MemoryLogStore store = stagedDestroyOfGroup1();
      store.crash(new SplittableRandom(seed)); // keeps a prefix of the batch's two writes
      afterCrashBeforeSync.add(
          store.storage(1).lastIndex()
              + "/"
              + store.storage(1).hardState().commit()
              + " "
              + store.storage(2).lastIndex());
    }
    assertEquals(
        java.util.Set.of("2/2 1", "0/0 1", "0/0 2"),
        afterCrashBeforeSync,
        "whole, destroyed, or destroyed with the other write: never the other write alone");
    for (String crashAt : List.of("after sync", "never")) {
      MemoryLogStore store = stagedDestroyOfGroup1();
      LogBatch b = batch;
      store.sync();
      assertEquals(0, store.durable(1).lastIndex(), "durable once synced");
      if (crashAt.equals("after sync")) {
        store.crash(new SplittableRandom(0));
      } else {
        assertEquals(2, store.storage(1).lastIndex(), "visible only once marked durable");
        b.markDurable();
      }
      LogStorage gone = store.storage(1);
      assertEquals(0, gone.lastIndex(), crashAt);
      assertEquals(new HardState(4, 3, 0), gone.hardState(), crashAt);
      assertEquals(new LostLog(2, 1), gone.lostLog(), crashAt);
      assertEquals(2, store.storage(2).lastIndex(), crashAt + ": the batch's other write");
    }
  }

  @Test
  void aCrashBeforeTheSyncKeepsAPrefixOfTheWrittenBatches() {
    java.util.Set<Long> kept = new java.util.TreeSet<>();
    for (long seed = 1; seed <= 50; seed++) {
      MemoryLogStore store = new MemoryLogStore();
      store.bootstrap(1, THREE);
      for (long i = 2; i <= 4; i++) {
        writeForLaterSync(store, 1, i);
      }
      store.crash(new SplittableRandom(seed));
      kept.add(store.storage(1).lastIndex());
    }
    assertEquals(java.util.Set.of(1L, 2L, 3L, 4L), kept, "every prefix, and only those");
  }

  @Test
  void aSyncedCommitMakesEarlierWrittenBatchesDurable() {
    MemoryLogStore store = new MemoryLogStore();
    store.bootstrap(1, THREE);
    store.bootstrap(2, THREE);
    writeForLaterSync(store, 1, 2);
    commit(store, 2, new HardState(1, 0, 1), 2);
    assertEquals(2, store.durable(1).lastIndex(), "one ordered log: the later sync covers it");
    store.crash(new SplittableRandom(1));
    assertEquals(2, store.storage(1).lastIndex());
    assertEquals(2, store.storage(2).lastIndex());
  }

  @Test
  void snapshotRecordsAndCompactionsAreUnsyncedAndMayBeLostTogether() {
    for (long seed = 1; seed <= 20; seed++) {
      MemoryLogStore store = new MemoryLogStore();
      store.bootstrap(1, THREE);
      for (long i = 2; i <= 6; i++) {
        commit(store, 1, null, i);
      }
      LogStorage log = store.storage(1);
      log.createSnapshot(5, THREE, "img".getBytes(UTF_8));
      log.compact(4);
      store.crash(new SplittableRandom(seed));
      LogStorage after = store.storage(1);
      assertEquals(6, after.lastIndex());
      if (after.firstIndex() == 5) {
        assertEquals(
            5, after.snapshot().index(), "a compaction is never kept without its snapshot");
      } else {
        assertEquals(2, after.firstIndex());
      }
    }
  }
}
