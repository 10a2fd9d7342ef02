package io.rangedb.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory {@link LogStorage}: "durable" means "committed through a {@link MemoryLogBatch}".
 * Used by tests and the simulation, where a crash keeps exactly what was committed. Thread-safe so
 * a host may read it on one thread and commit batches on another.
 *
 * <p>The log starts after a compaction point ({@code offset}, whose term is kept); the latest
 * snapshot is at or after it, so the log may keep a tail before the snapshot for followers that are
 * only slightly behind.
 */
public final class MemoryLogStorage implements LogStorage {
  private HardState hardState = HardState.EMPTY;
  private Snapshot snapshot = new Snapshot(0, 0, ConfState.EMPTY, null);
  private long offset;
  private long offsetTerm;
  // entries.get(0) has index offset + 1.
  private final ArrayList<Entry> entries = new ArrayList<>();

  /** See {@link #lostLog()}. */
  private LostLog lostLog = LostLog.NONE;

  /** An empty log with an empty configuration: a replica waiting to be added to a group. */
  public MemoryLogStorage() {}

  /**
   * What is left of a destroyed replica's log: its term and vote (commit 0) and where the log ended
   * ({@link #lostLog()}).
   */
  public static MemoryLogStorage destroyed(HardState last, LostLog lost) {
    MemoryLogStorage s = new MemoryLogStorage();
    s.hardState = new HardState(last.term(), last.vote(), 0);
    s.lostLog = lost;
    return s;
  }

  /** Where this log ends now, or ended before it was lost if that is later: what destroy keeps. */
  public synchronized LostLog tail() {
    long last = offset + entries.size();
    long term = entries.isEmpty() ? offsetTerm : entries.get(entries.size() - 1).term();
    return lostLog.max(new LostLog(last, term));
  }

  /**
   * A founding member's log: it starts from a snapshot at index 1, term 1, holding the initial
   * membership and the state machine's initial image, so that every replica (also ones added later)
   * learns the first configuration from a snapshot rather than from a log it may never see.
   */
  public static MemoryLogStorage bootstrap(ConfState conf, byte[] initialData) {
    MemoryLogStorage s = new MemoryLogStorage();
    s.snapshot = new Snapshot(1, 1, conf, initialData);
    s.offset = 1;
    s.offsetTerm = 1;
    s.hardState = new HardState(1, 0, 1);
    return s;
  }

  /** An independent copy of this log as it is now (a disk image, for crash models). */
  public synchronized MemoryLogStorage copy() {
    MemoryLogStorage c = new MemoryLogStorage();
    c.hardState = hardState;
    c.lostLog = lostLog;
    c.snapshot = snapshot;
    c.offset = offset;
    c.offsetTerm = offsetTerm;
    c.entries.addAll(entries);
    return c;
  }

  public static MemoryLogBatch newBatch() {
    return new MemoryLogBatch();
  }

  @Override
  public synchronized HardState hardState() {
    return hardState;
  }

  @Override
  public synchronized LostLog lostLog() {
    return lostLog;
  }

  @Override
  public synchronized ConfState confState() {
    return snapshot.conf();
  }

  @Override
  public synchronized List<Entry> entries(long lo, long hi, long maxBytes) {
    if (lo <= offset) {
      throw new LogCompactedException(lo, offset + 1);
    }
    if (hi > lastIndexLocked() + 1 || lo > hi) {
      throw new IndexOutOfBoundsException(
          "entries [" + lo + "," + hi + ") beyond last " + lastIndexLocked());
    }
    List<Entry> out = new ArrayList<>((int) Math.min(hi - lo, 64));
    long size = 0;
    for (long i = lo; i < hi; i++) {
      Entry e = entries.get((int) (i - offset - 1));
      size += e.sizeBytes();
      if (!out.isEmpty() && size > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  @Override
  public synchronized long term(long index) {
    if (index < offset) {
      throw new LogCompactedException(index, offset + 1);
    }
    if (index == offset) {
      return offsetTerm;
    }
    if (index > lastIndexLocked()) {
      throw new IndexOutOfBoundsException("index " + index + " beyond last " + lastIndexLocked());
    }
    return entries.get((int) (index - offset - 1)).term();
  }

  @Override
  public synchronized long firstIndex() {
    return offset + 1;
  }

  @Override
  public synchronized long lastIndex() {
    return lastIndexLocked();
  }

  private long lastIndexLocked() {
    return offset + entries.size();
  }

  @Override
  public synchronized Snapshot snapshot() {
    return snapshot;
  }

  @Override
  public void stage(LogBatch batch, HardState hs, List<Entry> ents, Snapshot snap) {
    MemoryLogBatch b = (MemoryLogBatch) batch;
    List<Entry> copy = ents == null ? List.of() : List.copyOf(ents);
    LogStorage.requireConsecutive(copy, "in-memory log");
    if (snap == null && copy.isEmpty() && hs == null) {
      return;
    }
    b.add(
        () -> {
          synchronized (this) {
            if (snap != null) {
              applySnapshotLocked(snap);
            }
            if (!copy.isEmpty()) {
              appendLocked(copy);
            }
            if (hs != null) {
              hardState = hs;
            }
          }
        });
  }

  @Override
  public synchronized void createSnapshot(long index, ConfState conf, byte[] data) {
    if (index <= snapshot.index()) {
      return;
    }
    snapshot = new Snapshot(index, term(index), conf, data);
  }

  @Override
  public synchronized void compact(long index) {
    if (index <= offset) {
      return;
    }
    if (index > snapshot.index()) {
      throw new IllegalArgumentException(
          "compact to " + index + " beyond snapshot " + snapshot.index());
    }
    long t = term(index);
    entries.subList(0, (int) (index - offset)).clear();
    offset = index;
    offsetTerm = t;
  }

  private void applySnapshotLocked(Snapshot snap) {
    if (snap.index() <= snapshot.index()) {
      return;
    }
    snapshot = snap;
    offset = snap.index();
    offsetTerm = snap.term();
    entries.clear();
  }

  private void appendLocked(List<Entry> ents) {
    long last = ents.get(ents.size() - 1).index();
    if (last <= offset) {
      return; // all already compacted
    }
    int skip = ents.get(0).index() <= offset ? (int) (offset + 1 - ents.get(0).index()) : 0;
    long from = ents.get(skip).index();
    if (from > lastIndexLocked() + 1) {
      throw new IllegalStateException("gap: appending " + from + " after " + lastIndexLocked());
    }
    // A new leader may overwrite a conflicting suffix: truncate, then append.
    int keep = (int) (from - offset - 1);
    entries.subList(keep, entries.size()).clear();
    entries.addAll(ents.subList(skip, ents.size()));
  }
}
