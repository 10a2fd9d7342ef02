package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LogStorage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The host's fsync pipeline: one sync at a time, covering every write made before it began. */
class SyncPipelineTest {
  /** A store that only counts syncs, and may fail them. */
  private static final class CountingStore implements LogStore {
    int syncs;
    RuntimeException failure;

    @Override
    public LogBatch newBatch() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void sync() {
      syncs++;
      if (failure != null) {
        throw failure;
      }
    }

    @Override
    public LogStorage storage(long groupId) {
      throw new UnsupportedOperationException();
    }
  }

  private final CountingStore store = new CountingStore();
  private final ArrayDeque<Runnable> syncer = new ArrayDeque<>();
  private final ArrayDeque<Runnable> loop = new ArrayDeque<>();
  private final List<String> durable = new ArrayList<>();
  private final SyncPipeline<String> pipeline =
      new SyncPipeline<>(store, syncer::add, loop::add, durable::add);

  private void runSyncer() {
    syncer.poll().run();
  }

  private void runLoop() {
    while (!loop.isEmpty()) {
      loop.poll().run();
    }
  }

  @Test
  void writesDuringASyncWaitForTheNextOneWhichCoversThemAll() {
    pipeline.written("a");
    assertTrue(pipeline.busy());
    assertEquals(1, syncer.size(), "the first write starts a sync");
    pipeline.written("b");
    pipeline.written("c");
    assertEquals(1, syncer.size(), "one sync at a time");
    runSyncer();
    runLoop();
    assertEquals(List.of("a"), durable, "b and c may have missed the sync that a started");
    assertEquals(1, syncer.size(), "so a second sync starts at once");
    runSyncer();
    runLoop();
    assertEquals(List.of("a", "b", "c"), durable);
    assertFalse(pipeline.busy());
    assertTrue(syncer.isEmpty());
    assertEquals(2, store.syncs);
    assertEquals(2, pipeline.syncs());
  }

  @Test
  void nothingIsDurableBeforeTheSyncHasRun() {
    pipeline.written("a");
    runLoop();
    assertTrue(durable.isEmpty());
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
  }

  @Test
  void abandonedWritesAreNeverReportedDurable() {
    pipeline.written("a");
    pipeline.abandon();
    runSyncer();
    runLoop();
    assertTrue(durable.isEmpty());
    assertFalse(pipeline.busy());
  }

  @Test
  void aSyncerThatRunsInlineSyncsEachWriteBeforeTheLoopGoesOn() {
    SyncPipeline<String> inline = new SyncPipeline<>(store, Runnable::run, loop::add, durable::add);
    inline.written("a");
    assertEquals(1, store.syncs);
    runLoop();
    assertEquals(List.of("a"), durable);
  }
}
