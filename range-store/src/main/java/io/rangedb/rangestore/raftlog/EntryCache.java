package io.rangedb.rangestore.raftlog;

import io.rangedb.raft.Entry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The most recently written Raft entries of every group in a store, so that applying committed
 * entries and replicating them to followers does not read back from RocksDB what was written a
 * moment ago (a bounded iterator seek per read, which profiling showed to be a fifth of a busy
 * host's time). Only durable entries are added: a {@link RocksLogStorage} adds them after the batch
 * that wrote them committed. Memory is bounded by one budget for the whole store; when it is
 * exceeded, the groups written or read least recently lose their entries first. Raft releases
 * entries once it no longer needs them ({@link #releaseThrough}), so the cache normally holds only
 * entries on their way to being applied and replicated: kept longer, every entry outlived several
 * young collections and was copied into the old generation, only to be evicted from there later
 * (docs/benchmarks.md, "Entry cache: release what Raft no longer needs"). Thread-safe.
 */
final class EntryCache {
  private final long budgetBytes;
  private long bytes;
  private long hits;
  private long misses;

  /** Access-ordered: iteration starts at the group used least recently. */
  private final LinkedHashMap<Long, Run> groups = new LinkedHashMap<>(64, 0.75f, true);

  /**
   * @param budgetBytes bytes of entries kept for all groups together; 0 turns the cache off
   */
  EntryCache(long budgetBytes) {
    if (budgetBytes < 0) {
      throw new IllegalArgumentException("negative entry cache budget " + budgetBytes);
    }
    this.budgetBytes = budgetBytes;
  }

  /**
   * Records entries just made durable (contiguous, ascending). Entries of the group at or after the
   * first of them are replaced, as the log replaced them; a gap before them restarts the group.
   */
  synchronized void add(long group, List<Entry> written) {
    if (budgetBytes == 0 || written.isEmpty()) {
      return;
    }
    Run run = groups.get(group);
    long from = written.get(0).index();
    if (run == null) {
      run = new Run(from);
      groups.put(group, run);
    } else if (from > run.last() + 1 || from < run.first) {
      bytes -= run.bytes;
      run = new Run(from);
      groups.put(group, run);
    } else {
      bytes -= run.truncateFrom(from);
    }
    for (Entry e : written) {
      run.add(e);
      bytes += e.sizeBytes();
    }
    evict(group);
  }

  /**
   * Entries [lo, hi) of the group, at most {@code maxBytes} of them (at least one), or null when
   * the cache does not hold all of [lo, hi).
   */
  synchronized List<Entry> get(long group, long lo, long hi, long maxBytes) {
    Run run = groups.get(group);
    if (run == null || lo < run.first || hi - 1 > run.last() || lo >= hi) {
      misses++;
      return null;
    }
    hits++;
    List<Entry> out = new ArrayList<>((int) Math.min(hi - lo, 64));
    long size = 0;
    for (long i = lo; i < hi; i++) {
      Entry e = run.at(i);
      size += e.sizeBytes();
      if (!out.isEmpty() && size > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  /** The term of the group's entry at {@code index}, or -1 when it is not cached. */
  synchronized long term(long group, long index) {
    Run run = groups.get(group);
    if (run == null || index < run.first || index > run.last()) {
      return -1;
    }
    return run.at(index).term();
  }

  /** Forgets the group's entries at or below {@code index} (the log was compacted to it). */
  synchronized void compactTo(long group, long index) {
    Run run = groups.get(group);
    if (run != null) {
      bytes -= run.dropThrough(index);
      if (run.size() == 0) {
        groups.remove(group);
      }
    }
  }

  /**
   * Drops the group's entries at or below {@code index}, which Raft has applied and replicated (see
   * {@link io.rangedb.raft.LogStorage#releaseThrough}). Unlike {@link #compactTo} the group keeps
   * its place, so that its next entries extend what is left.
   */
  synchronized void releaseThrough(long group, long index) {
    Run run = groups.get(group);
    if (run != null) {
      bytes -= run.dropThrough(index);
    }
  }

  /** Forgets all of the group's entries (a snapshot replaced its log, or it left the store). */
  synchronized void clear(long group) {
    Run run = groups.remove(group);
    if (run != null) {
      bytes -= run.bytes;
    }
  }

  synchronized long bytes() {
    return bytes;
  }

  synchronized long hits() {
    return hits;
  }

  synchronized long misses() {
    return misses;
  }

  /**
   * Evicts whole groups, least recently used first, until the budget holds; the group just written
   * goes last, and if it alone is over budget it keeps only its newest entries.
   */
  private void evict(long justWritten) {
    Iterator<Map.Entry<Long, Run>> it = groups.entrySet().iterator();
    while (bytes > budgetBytes && it.hasNext()) {
      Map.Entry<Long, Run> e = it.next();
      if (e.getKey() != justWritten) {
        bytes -= e.getValue().bytes;
        it.remove();
      }
    }
    Run run = groups.get(justWritten);
    while (bytes > budgetBytes && run != null && run.size() > 0) {
      bytes -= run.dropThrough(run.first);
    }
    if (run != null && run.size() == 0) {
      groups.remove(justWritten);
    }
  }

  /** One group's cached entries: contiguous indexes from {@code first}. */
  private static final class Run {
    private final ArrayList<Entry> list = new ArrayList<>();

    /** Entries of {@code list} before this position were dropped from the front. */
    private int head;

    /** Index of {@code list.get(head)}. */
    long first;

    long bytes;

    Run(long first) {
      this.first = first;
    }

    int size() {
      return list.size() - head;
    }

    long last() {
      return first + size() - 1;
    }

    Entry at(long index) {
      return list.get(head + (int) (index - first));
    }

    void add(Entry e) {
      list.add(e);
      bytes += e.sizeBytes();
    }

    /** Drops entries at or after {@code index}; returns the bytes freed. */
    long truncateFrom(long index) {
      long freed = 0;
      while (size() > 0 && last() >= index) {
        freed += list.remove(list.size() - 1).sizeBytes();
      }
      bytes -= freed;
      return freed;
    }

    /** Drops entries at or before {@code index}; returns the bytes freed. */
    long dropThrough(long index) {
      long freed = 0;
      while (size() > 0 && first <= index) {
        freed += list.get(head).sizeBytes();
        list.set(head, null);
        head++;
        first++;
      }
      if (head > 64 && head > list.size() / 2) {
        // Reclaim the dropped front now and then rather than shifting the list on every drop.
        list.subList(0, head).clear();
        head = 0;
      }
      bytes -= freed;
      return freed;
    }
  }
}
