package io.rangedb.rangestore.raftlog;

import io.rangedb.raft.LogBatch;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.StoreEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * The Raft writes of any number of groups, made durable by one synced RocksDB write: the group
 * commit of DESIGN.md. Each group's in-memory view of its log changes only after that write
 * returns, so nothing a replica promises is visible before it is on disk.
 *
 * <p>The native write batch is allocated on the first staged write and released by {@link
 * #commit()} (or {@link #close()}), so a host that drops an empty batch leaks nothing.
 */
public final class RocksLogBatch implements LogBatch, AutoCloseable {
  private final StoreEngine engine;
  private EngineBatch batch;
  private final List<Runnable> afterCommit = new ArrayList<>();
  private boolean committed;
  private boolean awaitingDurability;
  private int operations;

  RocksLogBatch(StoreEngine engine) {
    this.engine = engine;
  }

  EngineBatch engineBatch() {
    if (committed) {
      throw new IllegalStateException("Raft log batch already committed");
    }
    if (batch == null) {
      batch = engine.newBatch();
    }
    return batch;
  }

  void afterCommit(Runnable r) {
    afterCommit.add(r);
  }

  @Override
  public void commit() {
    writeToEngine(true);
    publish();
  }

  /** Writes to RocksDB unsynced; the groups' views change in {@link #markDurable()}. */
  @Override
  public void write() {
    writeToEngine(false);
    awaitingDurability = true;
  }

  /** After {@link RaftLogStore#sync()}: the groups' views now include what this batch wrote. */
  @Override
  public void markDurable() {
    if (!awaitingDurability) {
      throw new IllegalStateException("markDurable of a Raft log batch that was not written");
    }
    awaitingDurability = false;
    publish();
  }

  private void writeToEngine(boolean sync) {
    if (committed) {
      throw new IllegalStateException("Raft log batch already committed");
    }
    committed = true;
    try {
      if (batch != null && !batch.isEmpty()) {
        operations = batch.count();
        engine.write(batch, sync);
      }
    } finally {
      close();
    }
  }

  private void publish() {
    for (Runnable r : afterCommit) {
      r.run();
    }
  }

  @Override
  public boolean isEmpty() {
    return afterCommit.isEmpty();
  }

  /** Operations the committed batch wrote, for metrics. */
  public int operations() {
    return operations;
  }

  @Override
  public void close() {
    if (batch != null) {
      batch.close();
      batch = null;
    }
  }
}
