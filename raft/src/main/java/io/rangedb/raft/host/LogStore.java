package io.rangedb.raft.host;

import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LogStorage;

/**
 * The logs of every group on a node, behind one write path: the host stages all ready groups of a
 * cycle into one {@link LogBatch} and commits it with one write and one fsync (group commit). In
 * range-store this is one RocksDB column family with entries keyed by group and index.
 */
public interface LogStore {
  /** A new, empty batch that any group's storage of this store can stage into. */
  LogBatch newBatch();

  /**
   * Makes every batch {@link LogBatch#write() written} before this call durable (one fsync). Safe
   * to call from a thread other than the one writing batches; writes that race with it may or may
   * not be covered.
   */
  void sync();

  /** The log of {@code groupId}, created empty if it does not exist. */
  LogStorage storage(long groupId);

  /**
   * Stages the removal of {@code groupId}'s log (its replica left this node) into {@code batch}: it
   * takes effect, durably, when the batch does, so it costs no fsync of its own. Only the replica's
   * term and vote stay (as a hard state with commit 0), so that a replica opened here again never
   * votes twice in one term (replica ids are node ids), and where the log ended ({@link
   * LogStorage#lostLog()}), so that it votes only as the old replica would have. Both are taken
   * from the log as visible now, so no batch written before and not yet durable may hold writes of
   * the group. A crash before the batch is durable may or may not keep the log, but never keeps the
   * removal without every write made before it (the store has one ordered write-ahead log); once
   * the batch is durable the log never comes back. The caller must not use the group's storage
   * afterwards, nor ask for it before the batch is durable; {@link #storage} then starts an empty
   * log with that term and vote.
   */
  void destroy(LogBatch batch, long groupId);
}
