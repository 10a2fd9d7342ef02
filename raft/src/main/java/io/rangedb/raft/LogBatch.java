package io.rangedb.raft;

/**
 * Writes staged by one or more groups' {@link LogStorage#stage} calls, made durable together. A
 * host stages every ready group of a cycle into one batch and commits it once: one write, one
 * fsync.
 */
public interface LogBatch extends AutoCloseable {
  /** Makes everything staged durable and visible, atomically. Nothing staged is visible before. */
  void commit();

  /**
   * Makes everything staged visible atomically without waiting for it to be durable; for writes
   * that {@link Ready#mustSync()} says need no fsync. A store must keep such writes in order with
   * later synced ones (one write-ahead log does), so a later sync makes them durable too.
   */
  default void commitWithoutSync() {
    commit();
  }

  /** Whether nothing was staged. */
  boolean isEmpty();

  /** Releases what the batch holds, committed or not; committing releases it too. */
  @Override
  default void close() {}
}
