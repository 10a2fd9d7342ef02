package io.rangedb.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * A batch for {@link MemoryLogStorage}s. It may carry writes for many storages; {@link #commit()}
 * applies them in staging order. Dropping an uncommitted batch models a crash before fsync.
 */
public final class MemoryLogBatch implements LogBatch {
  private final List<Runnable> writes = new ArrayList<>();
  private final Runnable afterCommit;
  private boolean committed;
  private boolean written;

  public MemoryLogBatch() {
    this(() -> {});
  }

  /** A batch that runs {@code afterCommit} once committed (e.g. to count fsyncs). */
  public MemoryLogBatch(Runnable afterCommit) {
    this.afterCommit = afterCommit;
  }

  void add(Runnable write) {
    if (committed) {
      throw new IllegalStateException("batch already committed");
    }
    writes.add(write);
  }

  @Override
  public void commit() {
    if (committed) {
      throw new IllegalStateException("batch already committed");
    }
    committed = true;
    for (Runnable w : writes) {
      w.run();
    }
    afterCommit.run();
  }

  /** Memory has no disk to write to: the batch waits for {@link #markDurable()} as it is. */
  @Override
  public void write() {
    if (committed || written) {
      throw new IllegalStateException("batch already written");
    }
    written = true;
  }

  @Override
  public void markDurable() {
    if (!written) {
      throw new IllegalStateException("markDurable of a batch that was not written");
    }
    commit();
  }

  @Override
  public boolean isEmpty() {
    return writes.isEmpty();
  }
}
