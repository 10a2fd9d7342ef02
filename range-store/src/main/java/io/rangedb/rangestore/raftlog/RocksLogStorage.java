package io.rangedb.rangestore.raftlog;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.HardState;
import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LogCompactedException;
import io.rangedb.raft.LogStorage;
import io.rangedb.raft.LostLog;
import io.rangedb.raft.Snapshot;
import io.rangedb.rangestore.raftlog.RaftLogCodec.Truncated;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.EngineIterator;
import io.rangedb.rangestore.storage.IterOptions;
import io.rangedb.rangestore.storage.StoreCorruptedException;
import io.rangedb.rangestore.storage.StoreEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * One group's Raft log in the store's shared Raft log column family. Reads of recent entries are
 * served by the store's {@link EntryCache}, others go to RocksDB; the log's bounds, hard state and
 * snapshot are kept in memory and change only once the batch that wrote them is durable.
 * Thread-safe, with the rules {@link LogStorage} gives: no {@link #createSnapshot}, {@link
 * #compact} or read while a batch that staged a snapshot for this log is written but not yet
 * visible.
 *
 * <p>The latest snapshot is stored whole. For a state machine that keeps its state itself (the
 * host's {@code DurableStateMachine}, as a range replica will) a compaction's snapshot holds no
 * image, and the host takes one from the state machine when a follower needs it.
 */
public final class RocksLogStorage implements LogStorage {
  private final StoreEngine engine;
  private final EntryCache.Run cache;
  private final long group;
  private final String where;
  private HardState hardState;

  /** See {@link #lostLog()}; written by {@link RaftLogStore#destroy}. */
  private LostLog lostLog = LostLog.NONE;

  private Snapshot snapshot;
  private long offset;
  private long offsetTerm;
  private long lastIndex;
  private long lastTerm;

  /**
   * Every entry at or below this index is known to be deleted from RocksDB: the index of the
   * truncation record (written with the deletes it records), 0 without one. A log that has a
   * snapshot but never had a truncation record may still hold entries below its offset.
   */
  private long clearedThrough;

  /**
   * Held across each write this log makes itself ({@link #createSnapshot}, {@link #compact}), from
   * deciding what to write until the write is visible: two of them racing would otherwise let the
   * one that decided first land last, recording an older snapshot or truncation point than what is
   * already deleted. Reads only take the log's own lock, so they do not wait for these writes,
   * except one that finds an entry gone ({@link #firstIndexOnceCompacted}).
   */
  private final Object directWrites = new Object();

  private RocksLogStorage(StoreEngine engine, EntryCache cache, long group) {
    this.engine = engine;
    this.cache = cache.run(group);
    this.group = group;
    this.where = "Raft log of group " + group;
  }

  /** Loads the group's log as it was last made durable; an unknown group starts empty. */
  static RocksLogStorage load(StoreEngine engine, EntryCache cache, long group) {
    RocksLogStorage s = new RocksLogStorage(engine, cache, group);
    byte[] lost = engine.get(ColumnFamily.RAFT_LOG, RaftLogKeys.lost(group));
    s.lostLog = lost == null ? LostLog.NONE : RaftLogCodec.lostLog(lost, s.where);
    byte[] hs = engine.get(ColumnFamily.RAFT_LOG, RaftLogKeys.hardState(group));
    s.hardState = hs == null ? HardState.EMPTY : RaftLogCodec.hardState(hs, s.where);
    byte[] snap = engine.get(ColumnFamily.RAFT_LOG, RaftLogKeys.snapshot(group));
    s.snapshot =
        snap == null
            ? new Snapshot(0, 0, ConfState.EMPTY, null)
            : RaftLogCodec.snapshot(snap, s.where);
    byte[] tr = engine.get(ColumnFamily.RAFT_LOG, RaftLogKeys.truncated(group));
    Truncated truncated =
        tr == null
            ? new Truncated(s.snapshot.index(), s.snapshot.term())
            : RaftLogCodec.truncated(tr, s.where);
    if (truncated.index() > s.snapshot.index()) {
      // Compactions follow the snapshot that covers them, in the write-ahead log's order, so no
      // crash leaves this: the entries between would be gone with no snapshot to replace them.
      throw new StoreCorruptedException(
          s.where
              + ": truncated through "
              + truncated.index()
              + ", beyond its snapshot at "
              + s.snapshot.index(),
          null);
    }
    s.offset = truncated.index();
    s.offsetTerm = truncated.term();
    s.clearedThrough = tr == null ? 0 : truncated.index();
    s.lastIndex = s.offset;
    s.lastTerm = s.offsetTerm;
    s.loadLast();
    return s;
  }

  /** A founding member: the log starts from a snapshot holding the initial membership. */
  static RocksLogStorage bootstrap(
      StoreEngine engine, EntryCache cache, long group, ConfState conf, byte[] data) {
    RocksLogStorage s = load(engine, cache, group);
    if (s.lastIndex > 0 || !s.hardState.isEmpty()) {
      throw new IllegalStateException("group " + group + " already exists in this store");
    }
    try (RocksLogBatch batch = new RocksLogBatch(engine)) {
      s.stage(batch, new HardState(1, 0, 1), List.of(), new Snapshot(1, 1, conf, data));
      batch.commit();
    }
    return s;
  }

  private void loadLast() {
    try (EngineIterator it =
        engine.newIterator(
            ColumnFamily.RAFT_LOG,
            IterOptions.bounded(RaftLogKeys.entry(group, 0), RaftLogKeys.entriesEnd(group)))) {
      it.seekToLast();
      if (it.valid()) {
        long index = RaftLogKeys.indexOf(it.key());
        if (index > offset) {
          lastIndex = index;
          lastTerm = RaftLogCodec.entryTerm(it.value(), where);
        }
      }
    }
  }

  public long group() {
    return group;
  }

  @Override
  public synchronized HardState hardState() {
    return hardState;
  }

  @Override
  public synchronized LostLog lostLog() {
    return lostLog;
  }

  /** Where this log ends now, or ended before it was lost if that is later: what destroy keeps. */
  synchronized LostLog tail() {
    return lostLog.max(new LostLog(lastIndex, lastTerm));
  }

  @Override
  public synchronized ConfState confState() {
    return snapshot.conf();
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    long first;
    long last;
    synchronized (this) {
      first = offset + 1;
      last = lastIndex;
    }
    if (lo < first) {
      throw new LogCompactedException(lo, first);
    }
    if (hi > last + 1 || lo > hi) {
      throw new IndexOutOfBoundsException("entries [" + lo + "," + hi + ") beyond last " + last);
    }
    if (lo == hi) {
      return new ArrayList<>();
    }
    List<Entry> cached = cache.get(lo, hi, maxBytes);
    if (cached != null) {
      return cached;
    }
    List<Entry> out = new ArrayList<>((int) Math.min(hi - lo, 64));
    long size = 0;
    try (EngineIterator it =
        engine.newIterator(
            ColumnFamily.RAFT_LOG,
            IterOptions.bounded(RaftLogKeys.entry(group, lo), RaftLogKeys.entry(group, hi)))) {
      long expect = lo;
      for (it.seek(RaftLogKeys.entry(group, lo)); it.valid(); it.next()) {
        long index = RaftLogKeys.indexOf(it.key());
        if (index != expect) {
          throw missing(expect, " (found " + index + ")");
        }
        Entry e = RaftLogCodec.entry(index, it.value(), where);
        size += e.sizeBytes();
        if (!out.isEmpty() && size > maxBytes) {
          break;
        }
        out.add(e);
        expect++;
      }
      if (out.isEmpty() || (expect < hi && size <= maxBytes)) {
        throw missing(expect, "");
      }
    }
    return out;
  }

  @Override
  public long term(long index) {
    synchronized (this) {
      if (index < offset) {
        throw new LogCompactedException(index, offset + 1);
      }
      if (index == offset) {
        return offsetTerm;
      }
      if (index > lastIndex) {
        throw new IndexOutOfBoundsException("index " + index + " beyond last " + lastIndex);
      }
      if (index == lastIndex) {
        return lastTerm;
      }
    }
    long cached = cache.term(index);
    if (cached >= 0) {
      return cached;
    }
    byte[] v = engine.get(ColumnFamily.RAFT_LOG, RaftLogKeys.entry(group, index));
    if (v == null) {
      if (index < firstIndexOnceCompacted()) {
        return term(index); // compacted meanwhile: the new start's term, or LogCompactedException
      }
      throw new StoreCorruptedException(where + ": entry " + index + " is missing", null);
    }
    return RaftLogCodec.entryTerm(v, where);
  }

  /**
   * A read found no entry at {@code index}, which was in the log when the read began: compacted
   * meanwhile, or else a damaged store.
   */
  private RuntimeException missing(long index, String found) {
    long first = firstIndexOnceCompacted();
    if (index < first) {
      return new LogCompactedException(index, first);
    }
    return new StoreCorruptedException(where + ": entry " + index + " is missing" + found, null);
  }

  /**
   * The log's first index once a compaction under way has finished. Reads take the bounds under the
   * lock and read RocksDB without it, and a compaction deletes entries before it moves the start: a
   * read that finds an entry gone waits here for the compaction that may have taken it.
   */
  private long firstIndexOnceCompacted() {
    synchronized (directWrites) {
      return firstIndex();
    }
  }

  @Override
  public synchronized long firstIndex() {
    return offset + 1;
  }

  @Override
  public synchronized long lastIndex() {
    return lastIndex;
  }

  @Override
  public synchronized Snapshot snapshot() {
    return snapshot;
  }

  @Override
  public void stage(LogBatch batch, HardState hs, List<Entry> ents, Snapshot snapshotToInstall) {
    RocksLogBatch b = (RocksLogBatch) batch;
    List<Entry> entries = ents == null ? List.of() : ents;
    LogStorage.requireConsecutive(entries, where);
    // The bounds the log will have once this batch is durable, for deciding what to write.
    long newOffset;
    long durableLast;
    Snapshot snap = snapshotToInstall;
    synchronized (this) {
      newOffset = offset;
      durableLast = lastIndex;
      if (snap != null && snap.index() <= snapshot.index()) {
        snap = null; // not newer than the log's own: it changes nothing, as applyDurable says
      }
    }
    if (snap == null && entries.isEmpty() && hs == null) {
      return;
    }
    EngineBatch eb = b.engineBatch();
    if (snap != null) {
      eb.deleteRange(
          ColumnFamily.RAFT_LOG, RaftLogKeys.entry(group, 0), RaftLogKeys.entriesEnd(group));
      eb.put(ColumnFamily.RAFT_LOG, RaftLogKeys.snapshot(group), RaftLogCodec.snapshot(snap));
      eb.put(
          ColumnFamily.RAFT_LOG,
          RaftLogKeys.truncated(group),
          RaftLogCodec.truncated(new Truncated(snap.index(), snap.term())));
      newOffset = Math.max(newOffset, snap.index());
      durableLast = newOffset;
    }
    List<Entry> toWrite = List.of();
    if (!entries.isEmpty() && entries.get(entries.size() - 1).index() > newOffset) {
      int skip = 0;
      while (entries.get(skip).index() <= newOffset) {
        skip++;
      }
      toWrite = entries.subList(skip, entries.size());
      if (toWrite.get(0).index() <= durableLast) {
        // A new leader overwrites a conflicting suffix: drop it, then write the new entries. Only
        // then: range tombstones slow down every later read of the memtable, so plain appends
        // must not leave one each.
        eb.deleteRange(
            ColumnFamily.RAFT_LOG,
            RaftLogKeys.entry(group, toWrite.get(0).index()),
            RaftLogKeys.entriesEnd(group));
      }
      for (Entry e : toWrite) {
        eb.put(ColumnFamily.RAFT_LOG, RaftLogKeys.entry(group, e.index()), RaftLogCodec.entry(e));
      }
    }
    if (hs != null) {
      eb.put(ColumnFamily.RAFT_LOG, RaftLogKeys.hardState(group), RaftLogCodec.hardState(hs));
    }
    List<Entry> written = toWrite;
    Snapshot installed = snap;
    b.afterCommit(() -> applyDurable(hs, written, installed));
  }

  private synchronized void applyDurable(HardState hs, List<Entry> written, Snapshot snap) {
    if (snap != null && snap.index() > snapshot.index()) {
      snapshot = snap;
      offset = snap.index();
      offsetTerm = snap.term();
      clearedThrough = Math.max(clearedThrough, snap.index()); // stage deleted every entry
      lastIndex = offset;
      lastTerm = offsetTerm;
      cache.clear();
    }
    if (!written.isEmpty()) {
      long from = written.get(0).index();
      if (from > lastIndex + 1) {
        throw new IllegalStateException(
            where + ": gap, appended " + from + " after " + lastIndex + " (Raft host bug)");
      }
      Entry last = written.get(written.size() - 1);
      lastIndex = last.index();
      lastTerm = last.term();
      cache.add(written);
    }
    if (hs != null) {
      hardState = hs;
    }
  }

  /**
   * Written without an fsync, so that compacting many groups in one host cycle does not cost one
   * fsync each. Safe because the store has one write-ahead log, kept in order: if this write is
   * lost in a crash, so is everything written after it (the compaction it allows included), and the
   * entries it covers are still in the log.
   */
  @Override
  public void createSnapshot(long index, ConfState conf, byte[] data) {
    synchronized (directWrites) {
      Snapshot snap;
      synchronized (this) {
        if (index <= snapshot.index()) {
          return;
        }
        snap = new Snapshot(index, term(index), conf, data);
      }
      try (EngineBatch eb = engine.newBatch()) {
        eb.put(ColumnFamily.RAFT_LOG, RaftLogKeys.snapshot(group), RaftLogCodec.snapshot(snap));
        engine.write(eb, false);
      }
      synchronized (this) {
        if (snap.index() > snapshot.index()) {
          snapshot = snap;
        }
      }
    }
  }

  /**
   * Compactions of at most this many entries delete them one by one instead of with one range
   * deletion: every range tombstone in a memtable slows each later read of it until the memtable is
   * flushed, and a host that truncates its groups' logs often would leave thousands (measured with
   * HostLoopBenchmark: a compaction every 32 entries per group made the hosts' work per commit grow
   * tenfold within seconds; docs/benchmarks.md). Point tombstones cost about what the puts they
   * cover cost, and vanish with them at the next flush.
   */
  static final long POINT_DELETES_UP_TO = 256;

  @Override
  public void compact(long index) {
    synchronized (directWrites) {
      long t;
      long cleared;
      synchronized (this) {
        if (index <= offset) {
          return;
        }
        if (index > snapshot.index()) {
          throw new IllegalArgumentException(
              "compact to " + index + " beyond snapshot " + snapshot.index());
        }
        t = term(index);
        cleared = clearedThrough;
      }
      writeTruncation(index, t, cleared);
      synchronized (this) {
        if (index > offset) {
          offset = index;
          offsetTerm = t;
        }
        clearedThrough = Math.max(clearedThrough, index);
      }
    }
    cache.releaseThrough(index);
  }

  /** Deletes the entries in (cleared, index] and records the log's new start. */
  private void writeTruncation(long index, long term, long cleared) {
    try (EngineBatch eb = engine.newBatch()) {
      eb.put(
          ColumnFamily.RAFT_LOG,
          RaftLogKeys.truncated(group),
          RaftLogCodec.truncated(new Truncated(index, term)));
      if (index - cleared <= POINT_DELETES_UP_TO) {
        for (long i = cleared + 1; i <= index; i++) {
          eb.delete(ColumnFamily.RAFT_LOG, RaftLogKeys.entry(group, i));
        }
      } else {
        eb.deleteRange(
            ColumnFamily.RAFT_LOG,
            RaftLogKeys.entry(group, 0),
            RaftLogKeys.entry(group, index + 1));
      }
      // Unsynced: losing it in a machine crash only brings back entries the snapshot covers.
      engine.write(eb, false);
    }
  }

  @Override
  public void releaseThrough(long index) {
    cache.releaseThrough(index);
  }
}
