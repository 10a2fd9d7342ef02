package io.rangedb.raft;

import java.util.List;

/**
 * The durable log of one group, as the core reads it. Implementations: {@link MemoryLogStorage}
 * here, RocksDB in range-store (entries keyed by group and index, hard state beside them).
 *
 * <p>Reads see only committed batches. The log holds entries in [{@link #firstIndex()}, {@link
 * #lastIndex()}]; index {@code firstIndex() - 1} is the snapshot's, whose term stays known.
 *
 * <p>{@link #createSnapshot} and {@link #compact} write at once, not through a batch: a caller must
 * not make them between the write of a batch that staged a snapshot for this log and the moment
 * that batch becomes visible ({@link LogBatch#commit} returned or {@link LogBatch#markDurable}
 * ran), since they would check against the old log and write after the new one (the host never
 * does: it compacts a group only after carrying out its Ready). Nor may the log be read while such
 * a batch commits: the old log's entries may be gone before its new bounds show. Otherwise any
 * thread may call any method; a read racing a compaction sees the log compacted.
 */
public interface LogStorage {

  /**
   * The hard state to restart with. Its commit index is a lower bound: Readys write the hard state
   * only when the term or vote changes, so a restarted replica learns newer commits from the
   * leader, and counts what its state machine had applied ({@link RaftConfig#applied()}) as
   * committed.
   */
  HardState hardState();

  /**
   * Where the log ended that this node's replica held before it was removed and destroyed, kept
   * with its term and vote; {@link LostLog#NONE} if it never lost one. The replica votes only for
   * candidates at least as up to date as that (see {@link LostLog}).
   */
  default LostLog lostLog() {
    return LostLog.NONE;
  }

  /** The membership as of the snapshot (later changes are re-applied from the log on restart). */
  ConfState confState();

  /**
   * Entries in [lo, hi), stopping once more than {@code maxBytes} would be returned (but always at
   * least one).
   *
   * @throws LogCompactedException if lo < firstIndex()
   */
  List<Entry> entries(long lo, long hi, long maxBytes);

  /**
   * The term of the entry at index, for index in [firstIndex()-1, lastIndex()].
   *
   * @throws LogCompactedException if index < firstIndex()-1
   */
  long term(long index);

  long firstIndex();

  long lastIndex();

  /**
   * The latest snapshot, whose data comes from the state machine (the host creates it).
   *
   * @throws SnapshotUnavailableException if one is being made; the leader retries later
   */
  Snapshot snapshot();

  /**
   * Stages a Ready's writes into {@code batch}: a snapshot newer than the log's own replaces the
   * whole log (one that is not changes nothing); entries, consecutive, replace any existing entries
   * from their first index on; then the hard state is set. Any argument may be null (or empty).
   * Nothing is visible until the batch commits.
   *
   * @throws IllegalArgumentException if the entries skip or repeat an index (nothing is staged)
   */
  void stage(LogBatch batch, HardState hardState, List<Entry> entries, Snapshot snapshot);

  /**
   * Records a snapshot the state machine made at {@code index}, which it has applied and which is
   * durable in this log; it is what {@link #snapshot()} returns from now on. It need not be synced
   * on return, but must reach the disk in order with the log's other writes: a crash may lose it
   * only with everything written after it (the compaction it allows included). The log is not
   * compacted here: {@link #compact} does that. {@code data} is empty when the state machine keeps
   * its state itself (a host's {@code DurableStateMachine}): the record then says only where the
   * log starts, and the host takes an image from the state machine when a follower needs one.
   */
  void createSnapshot(long index, ConfState conf, byte[] data);

  /** Drops entries up to and including {@code index}; the host's snapshot must cover it. */
  void compact(long index);

  /**
   * Says that entries up to and including {@code index} are applied here and, on a leader, held by
   * every live member, so they will most likely not be read again soon: a storage that keeps recent
   * entries in memory may let them go. They stay in the log, and reading them must still work (a
   * follower that becomes leader reads what a lagging member still needs from there).
   */
  default void releaseThrough(long index) {}

  /**
   * The check {@link #stage} makes of its entries, before anything is staged: a log publishes a run
   * by its last index, so a hole would be acknowledged and then read back as a damaged log.
   *
   * @throws IllegalArgumentException if {@code entries} skip or repeat an index
   */
  static void requireConsecutive(List<Entry> entries, String where) {
    for (int i = 1; i < entries.size(); i++) {
      long before = entries.get(i - 1).index();
      if (entries.get(i).index() != before + 1) {
        throw new IllegalArgumentException(
            where
                + ": entries to append are not consecutive: "
                + entries.get(i).index()
                + " after "
                + before);
      }
    }
  }
}
