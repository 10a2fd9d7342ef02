package io.rangedb.raft;

/**
 * Writes staged by one or more groups' {@link LogStorage#stage} calls, made durable together. A
 * host stages every ready group of a cycle into one batch and commits it once: one write, one
 * fsync.
 */
public interface LogBatch {
  /** Makes everything staged durable and visible, atomically. Nothing staged is visible before. */
  void commit();

  /** Whether nothing was staged. */
  boolean isEmpty();
}
