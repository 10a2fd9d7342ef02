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
   * The first half of a commit split in two: writes what is staged, in order after every earlier
   * write of the store, without waiting for it to be durable and without making it visible. The
   * caller then has the store sync (on any thread; a host keeps working meanwhile) and, once a sync
   * that began after this returned has finished, calls {@link #markDurable()}.
   */
  void write();

  /**
   * The second half: makes a {@link #write() written} batch visible, which the caller may do only
   * once it is durable. Nothing of it is visible before.
   */
  void markDurable();

  /** Whether nothing was staged. */
  boolean isEmpty();

  /** Releases what the batch holds, committed or not; committing releases it too. */
  @Override
  default void close() {}
}
