package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LogStorage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The host's fsync pipeline: one sync at a time, each covering every write made before it began,
 * back to back while writes wait, without waiting for the loop in between; what waited only for the
 * sync (the acknowledgements) is done on the syncer as soon as it returns.
 */
class SyncPipelineTest {
  /** A store that only counts syncs, and may fail them. */
  private static class CountingStore implements LogStore {
    int syncs;
    RuntimeException failure;

    /** Runs inside a sync: what the loop does while the disk syncs. */
    Runnable duringSync = () -> {};

    @Override
    public LogBatch newBatch() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void sync() {
      syncs++;
      Runnable during = duringSync;
      duringSync = () -> {};
      during.run();
      if (failure != null) {
        throw failure;
      }
    }

    @Override
    public LogStorage storage(long groupId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void destroy(io.rangedb.raft.LogBatch batch, long groupId) {
      throw new UnsupportedOperationException();
    }
  }

  private final CountingStore store = new CountingStore();
  private final ArrayDeque<Runnable> syncer = new ArrayDeque<>();
  private final ArrayDeque<Runnable> loop = new ArrayDeque<>();
  private final List<String> synced = new ArrayList<>();
  private final List<String> durable = new ArrayList<>();
  private final SyncPipeline<String> pipeline =
      new SyncPipeline<>(store, syncer::add, loop::add, synced::add, durable::add);

  private void runSyncer() {
    syncer.poll().run();
  }

  private void runLoop() {
    while (!loop.isEmpty()) {
      loop.poll().run();
    }
  }

  @Test
  void oneSyncCoversEveryWriteMadeBeforeItBegan() {
    pipeline.written("a");
    pipeline.written("b");
    pipeline.written("c");
    assertEquals(1, syncer.size(), "one sync at a time");
    runSyncer();
    assertEquals(List.of("a", "b", "c"), synced, "acknowledged by the syncer itself");
    assertTrue(durable.isEmpty(), "before the loop has run");
    runLoop();
    assertEquals(List.of("a", "b", "c"), durable);
    assertEquals(1, store.syncs);
    assertEquals(1, pipeline.syncs());
    assertTrue(syncer.isEmpty(), "nothing waits: the syncer stopped");
  }

  @Test
  void writesMadeDuringASyncShareTheNextWhichStartsWithoutWaitingForTheLoop() {
    store.duringSync =
        () -> {
          pipeline.written("b");
          pipeline.written("c");
        };
    pipeline.written("a");
    runSyncer();
    assertEquals(1, syncer.size(), "the syncer queued the next sync itself");
    assertEquals(1, loop.size(), "without the loop having run");
    assertEquals(List.of("a"), synced, "b and c were written during the sync");
    runSyncer();
    assertEquals(List.of("a", "b", "c"), synced);
    assertEquals(2, store.syncs);
    loop.poll().run();
    assertEquals(List.of("a"), durable, "b and c may have missed the sync that a started");
    runLoop();
    assertEquals(List.of("a", "b", "c"), durable);
    assertEquals(2, pipeline.syncs());
    assertTrue(syncer.isEmpty(), "then it stopped");
  }

  @Test
  void aWriteAfterTheSyncerWentIdleWakesIt() {
    pipeline.written("a");
    runSyncer();
    runLoop();
    assertTrue(syncer.isEmpty());
    pipeline.written("b");
    assertEquals(1, syncer.size());
    runSyncer();
    runLoop();
    assertEquals(List.of("a", "b"), durable);
  }

  @Test
  void nothingIsDurableBeforeTheSyncHasRun() {
    pipeline.written("a");
    runLoop();
    assertTrue(durable.isEmpty());
    assertTrue(synced.isEmpty());
    assertEquals(0, store.syncs);
  }

  @Test
  void aFailedSyncFailsOnTheLoopAndMarksNothingDurable() {
    store.failure = new IllegalStateException("disk gone");
    pipeline.written("a");
    runSyncer();
    RuntimeException e = assertThrows(RuntimeException.class, this::runLoop);
    assertSame(store.failure, e);
    assertTrue(durable.isEmpty());
    assertTrue(synced.isEmpty(), "nothing acknowledged after a failed sync");
    pipeline.written("b");
    assertTrue(syncer.isEmpty(), "no sync starts after one failed");
  }

  /** A send that fails on the syncer stops the host like a failed sync: on the loop, for good. */
  @Test
  void aFailureOfWhatTheSyncerDoesAfterTheSyncReachesTheLoopAndStopsTheSyncs() {
    IllegalStateException broken = new IllegalStateException("transport broken");
    SyncPipeline<String> failing =
        new SyncPipeline<>(
            store,
            syncer::add,
            loop::add,
            item -> {
              throw broken;
            },
            durable::add);
    failing.written("a");
    runSyncer();
    RuntimeException e = assertThrows(RuntimeException.class, this::runLoop);
    assertSame(broken, e);
    assertTrue(durable.isEmpty());
    failing.written("b");
    assertTrue(syncer.isEmpty(), "no sync starts after it failed");
  }

  @Test
  void abandonedWritesAreNeverReportedDurable() {
    pipeline.written("a");
    pipeline.abandon();
    runSyncer();
    runLoop();
    assertTrue(durable.isEmpty());
    assertTrue(synced.isEmpty());
  }

  @Test
  void aSyncerThatRunsInlineSyncsEachWriteBeforeTheLoopGoesOn() {
    SyncPipeline<String> inline =
        new SyncPipeline<>(store, Runnable::run, loop::add, synced::add, durable::add);
    inline.written("a");
    assertEquals(1, store.syncs);
    runLoop();
    assertEquals(List.of("a"), durable);
  }

  /**
   * With a real loop thread writing while a real syncer thread syncs, in thousands of short bursts
   * that each end with the syncer going idle: every burst becomes durable without a later write to
   * wake the syncer (a write that races with the syncer going idle must not be left waiting), in
   * order, and no write is reported durable before a sync that began after it.
   */
  @Test
  void onRealThreadsNoWriteIsLeftWaitingOrReportedDurableEarly() throws Exception {
    java.util.concurrent.atomic.AtomicLong lastWritten =
        new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong coveredByFinishedSync =
        new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong durableUpTo =
        new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong syncedUpTo =
        new java.util.concurrent.atomic.AtomicLong();
    List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.ExecutorService loopThread = RaftThreads.newLoop("test-loop");
    java.util.concurrent.ExecutorService syncThread = RaftThreads.newSyncer("test-syncer");
    LogStore racingStore =
        new CountingStore() {
          @Override
          public void sync() {
            long covered = lastWritten.get();
            for (int i = 0; i < 2_000; i++) {
              Thread.onSpinWait(); // a sync takes a while: writes land during it
            }
            coveredByFinishedSync.accumulateAndGet(covered, Math::max);
          }
        };
    @SuppressWarnings("unchecked")
    SyncPipeline<Long>[] pipe = new SyncPipeline[1];
    pipe[0] =
        new SyncPipeline<>(
            racingStore,
            syncThread,
            loopThread::execute,
            item -> {
              if (item != syncedUpTo.get() + 1) {
                problems.add("synced out of order: " + item + " after " + syncedUpTo.get());
              }
              if (item > coveredByFinishedSync.get()) {
                problems.add(item + " acknowledged before a sync covered it");
              }
              syncedUpTo.set(item);
            },
            item -> {
              if (item > syncedUpTo.get()) {
                problems.add(item + " reported durable before it was acknowledged");
              }
              if (item != durableUpTo.get() + 1) {
                problems.add("durable out of order: " + item + " after " + durableUpTo.get());
              }
              if (item > coveredByFinishedSync.get()) {
                problems.add(item + " reported durable before a sync covered it");
              }
              durableUpTo.set(item);
            });
    try {
      java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
      long item = 0;
      for (int burst = 0; burst < 3_000 && problems.isEmpty(); burst++) {
        int size = 1 + rnd.nextInt(3);
        for (int i = 0; i < size; i++) {
          long it = ++item;
          int spin = rnd.nextInt(200);
          loopThread.execute(
              () -> {
                for (int p = 0; p < spin; p++) {
                  Thread.onSpinWait();
                }
                lastWritten.set(it); // the write returns...
                pipe[0].written(it); // ...then the host records it
              });
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (durableUpTo.get() < item && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        assertEquals(item, durableUpTo.get(), "burst " + burst + " was left waiting for a sync");
      }
      assertEquals(List.of(), problems);
    } finally {
      loopThread.shutdown();
      syncThread.shutdown();
      assertTrue(loopThread.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS));
      assertTrue(syncThread.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS));
    }
  }
}
