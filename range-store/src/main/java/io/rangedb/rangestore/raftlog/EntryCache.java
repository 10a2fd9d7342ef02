package io.rangedb.rangestore.raftlog;

import io.rangedb.raft.Entry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The most recently written Raft entries of every group in a store, so that applying committed
 * entries and replicating them to followers does not read back from RocksDB what was written a
 * moment ago (a bounded iterator seek per read, which profiling showed to be a fifth of a busy
 * host's time). Only durable entries are added: a {@link RocksLogStorage} adds them after the batch
 * that wrote them committed. Raft releases entries once it no longer needs them ({@link
 * Run#releaseThrough}), so the cache normally holds only entries on their way to being applied and
 * replicated: kept longer, every entry outlived several young collections and was copied into the
 * old generation, only to be evicted from there later (docs/benchmarks.md, "Entry cache: release
 * what Raft no longer needs").
 *
 * <p>Memory is bounded by one budget for the whole store, for when a member lags and entries stay.
 * Past it, groups lose their entries in clock order: a sweep passes over groups used (written or
 * read) since its last pass, and empties the others. Each group's log holds its own {@link Run}, so
 * that the per-entry work finds its group without a lookup. Thread-safe: every operation holds the
 * cache's lock, which also guards the shared byte count.
 */
final class EntryCache {
  private final long budgetBytes;
  private long bytes;
  private long hits;
  private long misses;

  /** Every group's run, in the order the eviction sweep visits them. */
  private final List<Run> runs = new ArrayList<>();

  private final Map<Long, Run> byGroup = new HashMap<>();

  /** Where the eviction sweep goes on from. */
  private int hand;

  /**
   * @param budgetBytes bytes of entries kept for all groups together; 0 turns the cache off
   */
  EntryCache(long budgetBytes) {
    if (budgetBytes < 0) {
      throw new IllegalArgumentException("negative entry cache budget " + budgetBytes);
    }
    this.budgetBytes = budgetBytes;
  }

  /** The group's run, created empty the first time. */
  synchronized Run run(long group) {
    return byGroup.computeIfAbsent(
        group,
        g -> {
          Run r = new Run();
          runs.add(r);
          return r;
        });
  }

  /** Forgets the group for good (its replica left the store); its run caches nothing more. */
  synchronized void remove(long group) {
    Run r = byGroup.remove(group);
    if (r != null) {
      runs.remove(r);
      bytes -= r.dropThrough(Long.MAX_VALUE);
      r.removed = true;
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
   * Brings the cache back under budget after {@code justWritten} grew: other groups lose their
   * entries first, in clock order; if that is not enough, the group just written keeps only its
   * newest entries.
   */
  private void evict(Run justWritten) {
    // Two turns at most: the first clears the marks it passes, the second finds them unmarked.
    // None when the group just written holds all the bytes (a leader with a lagging follower).
    for (int visited = 0;
        bytes > budgetBytes && bytes > justWritten.runBytes && visited < 2 * runs.size();
        visited++) {
      hand = hand >= runs.size() ? 0 : hand;
      Run r = runs.get(hand++);
      if (r == justWritten || r.size() == 0) {
        continue;
      }
      if (r.used) {
        r.used = false;
      } else {
        bytes -= r.dropThrough(r.last());
      }
    }
    while (bytes > budgetBytes && justWritten.size() > 0) {
      bytes -= justWritten.dropThrough(justWritten.first);
    }
  }

  /**
   * Entries a run normally holds at most: one on its way, one kept for its term. A run that held
   * many more (a lagging member) gives up its large array once it shrinks back.
   */
  private static final int SMALL = 16;

  /** One group's cached entries: contiguous indexes from {@code first}. */
  final class Run {
    private ArrayList<Entry> list = new ArrayList<>();

    /** Entries of {@code list} before this position were dropped from the front. */
    private int head;

    /** Index of {@code list.get(head)} (of the next entry added, when empty). */
    private long first;

    private long runBytes;

    /** Written or read since the eviction sweep last passed. */
    private boolean used;

    /** The group left the store ({@link EntryCache#remove}). */
    private boolean removed;

    private Run() {}

    /**
     * Records entries just made durable (contiguous, ascending). Entries at or after the first of
     * them are replaced, as the log replaced them; a gap before them starts the run over.
     */
    void add(List<Entry> written) {
      synchronized (EntryCache.this) {
        if (budgetBytes == 0 || written.isEmpty() || removed) {
          return;
        }
        long from = written.get(0).index();
        if (size() == 0 || from > last() + 1 || from < first) {
          bytes -= dropThrough(Long.MAX_VALUE);
          first = from;
        } else {
          bytes -= truncateFrom(from);
        }
        for (Entry e : written) {
          list.add(e);
          runBytes += e.sizeBytes();
          bytes += e.sizeBytes();
        }
        used = true;
        if (bytes > budgetBytes) {
          evict(this);
        }
      }
    }

    /**
     * Entries [lo, hi), at most {@code maxBytes} of them (at least one), or null when the cache
     * does not hold all of [lo, hi).
     */
    List<Entry> get(long lo, long hi, long maxBytes) {
      synchronized (EntryCache.this) {
        if (size() == 0 || lo < first || hi - 1 > last() || lo >= hi) {
          misses++;
          return null;
        }
        hits++;
        used = true;
        List<Entry> out = new ArrayList<>((int) Math.min(hi - lo, 64));
        long size = 0;
        for (long i = lo; i < hi; i++) {
          Entry e = at(i);
          size += e.sizeBytes();
          if (!out.isEmpty() && size > maxBytes) {
            break;
          }
          out.add(e);
        }
        return out;
      }
    }

    /** The term of the entry at {@code index}, or -1 when it is not cached. */
    long term(long index) {
      synchronized (EntryCache.this) {
        if (size() == 0 || index < first || index > last()) {
          return -1;
        }
        return at(index).term();
      }
    }

    /**
     * Drops entries at or below {@code index}: Raft has applied and replicated them (see {@link
     * io.rangedb.raft.LogStorage#releaseThrough}), or the log was compacted to it. The entries
     * after it stay, and the next ones extend them.
     */
    void releaseThrough(long index) {
      synchronized (EntryCache.this) {
        bytes -= dropThrough(index);
      }
    }

    /** Forgets all entries (a snapshot replaced the log). */
    void clear() {
      synchronized (EntryCache.this) {
        bytes -= dropThrough(Long.MAX_VALUE);
      }
    }

    private int size() {
      return list.size() - head;
    }

    private long last() {
      return first + size() - 1;
    }

    private Entry at(long index) {
      return list.get(head + (int) (index - first));
    }

    /** Drops entries at or after {@code index}; returns the bytes freed. */
    private long truncateFrom(long index) {
      long freed = 0;
      while (size() > 0 && last() >= index) {
        freed += list.remove(list.size() - 1).sizeBytes();
      }
      runBytes -= freed;
      return freed;
    }

    /** Drops entries at or before {@code index}; returns the bytes freed. */
    private long dropThrough(long index) {
      if (size() == 0) {
        return 0;
      }
      if (index >= last()) {
        long freed = runBytes;
        first = last() + 1;
        if (list.size() > SMALL) {
          list = new ArrayList<>(); // an emptied ArrayList would keep its large array for good
        } else {
          list.clear();
        }
        head = 0;
        runBytes = 0;
        return freed;
      }
      long freed = 0;
      while (first <= index) {
        freed += list.get(head).sizeBytes();
        list.set(head, null);
        head++;
        first++;
      }
      if (head > 64 && head > list.size() / 2) {
        // Reclaim the dropped front now and then rather than shifting the list on every drop.
        list.subList(0, head).clear();
        head = 0;
        if (list.size() <= SMALL) {
          list.trimToSize();
        }
      }
      runBytes -= freed;
      return freed;
    }
  }
}
