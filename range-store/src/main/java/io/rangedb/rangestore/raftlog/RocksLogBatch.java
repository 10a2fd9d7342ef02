package io.rangedb.rangestore.raftlog;

import io.rangedb.raft.LogBatch;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.StoreEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * The Raft writes of any number of groups, made durable by one synced RocksDB write: the group
 * commit of DESIGN.md. Each group's in-memory view of its log changes only after that write
 * returns, so nothing a replica promises is visible before it is on disk. Must be closed.
 */
public final class RocksLogBatch implements LogBatch, AutoCloseable {
  private final StoreEngine engine;
  private final EngineBatch batch;
  private final List<Runnable> afterCommit = new ArrayList<>();
  private boolean committed;

  RocksLogBatch(StoreEngine engine) {
    this.engine = engine;
    this.batch = engine.newBatch();
  }

  EngineBatch engineBatch() {
    if (committed) {
      throw new IllegalStateException("Raft log batch already committed");
    }
    return batch;
  }

  void afterCommit(Runnable r) {
    afterCommit.add(r);
  }

  @Override
  public void commit() {
    if (committed) {
      throw new IllegalStateException("Raft log batch already committed");
    }
    committed = true;
    if (!batch.isEmpty()) {
      engine.write(batch, true);
    }
    for (Runnable r : afterCommit) {
      r.run();
    }
  }

  @Override
  public boolean isEmpty() {
    return afterCommit.isEmpty();
  }

  /** Operations in the batch, for metrics. */
  public int operations() {
    return batch.count();
  }

  @Override
  public void close() {
    batch.close();
  }
}
