package io.rangedb.raft;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * The log as the core sees it: durable entries in storage followed by unstable ones, plus the
 * commit index and what the host has been handed to apply ({@code applying}) and has applied.
 */
final class RaftLog {
  final LogStorage storage;
  final UnstableLog unstable;
  long committed;
  long applying;
  long applied;
  private final long maxApplyBytes;

  /**
   * The membership changes among the entries scanned so far, by index: every entry in {@code
   * (applied, confScannedThrough]} has been looked at, so a candidate reads only what was appended
   * since its last campaign rather than its whole unapplied log at each one (after a restart that
   * is all of it, and campaigns repeat until a leader is heard from). Entries at or below {@code
   * applied} are dropped as they are applied; an overwrite or a snapshot forgets what it replaces.
   */
  private final TreeMap<Long, Entry> confChanges = new TreeMap<>();

  private long confScannedThrough;

  RaftLog(LogStorage storage, long maxApplyBytes) {
    this.storage = storage;
    this.maxApplyBytes = maxApplyBytes;
    long first = storage.firstIndex();
    long last = storage.lastIndex();
    this.unstable = new UnstableLog(last + 1);
    this.committed = first - 1;
    this.applying = first - 1;
    this.applied = first - 1;
  }

  long firstIndex() {
    long i = unstable.maybeFirstIndex();
    return i != -1 ? i : storage.firstIndex();
  }

  long lastIndex() {
    long i = unstable.maybeLastIndex();
    return i != -1 ? i : storage.lastIndex();
  }

  long lastTerm() {
    return term(lastIndex());
  }

  /**
   * Term at index; 0 if the index is beyond the log.
   *
   * @throws LogCompactedException if the index was compacted away
   */
  long term(long index) {
    long dummy = firstIndex() - 1;
    if (index < dummy) {
      throw new LogCompactedException(index, dummy + 1);
    }
    if (index > lastIndex()) {
      return 0;
    }
    long t = unstable.maybeTerm(index);
    return t != -1 ? t : storage.term(index);
  }

  boolean matchTerm(long index, long term) {
    if (index > lastIndex()) {
      return false; // term() says 0 there, which an append claiming term 0 would match
    }
    try {
      return term(index) == term;
    } catch (LogCompactedException e) {
      return false;
    }
  }

  /**
   * Appends a leader's entries that follow (index, logTerm) if our log matches there; returns the
   * index of the last new entry, or -1 on mismatch.
   */
  long maybeAppend(long index, long logTerm, long leaderCommit, List<Entry> ents) {
    if (!matchTerm(index, logTerm)) {
      return -1;
    }
    long lastNew = index + ents.size();
    long conflict = findConflict(ents);
    if (conflict != 0) {
      if (conflict <= committed) {
        throw new IllegalStateException(
            "entry " + conflict + " conflicts with committed entry (committed=" + committed + ")");
      }
      append(ents.subList((int) (conflict - index - 1), ents.size()));
    }
    commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** First entry whose index exists with a different term, or that we lack; 0 if all match. */
  private long findConflict(List<Entry> ents) {
    for (Entry e : ents) {
      if (!matchTerm(e.index(), e.term())) {
        return e.index();
      }
    }
    return 0;
  }

  /**
   * The fast back-off of a rejected append: the largest index at or below {@code index} whose term
   * is at most {@code term}, with that term. Entries between it and index cannot match an entry of
   * term {@code term} or lower, so the prober may skip them all at once.
   */
  long[] findConflictByTerm(long index, long term) {
    long i = Math.min(index, lastIndex());
    while (true) {
      long t;
      try {
        t = term(i);
      } catch (LogCompactedException e) {
        return new long[] {i, 0};
      }
      if (t <= term) {
        return new long[] {i, t};
      }
      i--;
    }
  }

  long append(List<Entry> ents) {
    if (ents.isEmpty()) {
      return lastIndex();
    }
    long after = ents.get(0).index() - 1;
    if (after < committed) {
      throw new IllegalStateException("append after " + after + " below committed " + committed);
    }
    if (after < confScannedThrough) {
      confChanges.tailMap(after, false).clear();
      confScannedThrough = after;
    }
    unstable.truncateAndAppend(ents);
    return lastIndex();
  }

  void commitTo(long c) {
    if (c > committed) {
      if (c > lastIndex()) {
        throw new IllegalStateException("commit " + c + " beyond last index " + lastIndex());
      }
      committed = c;
    }
  }

  /**
   * Commits up to maxIndex only if that entry is of {@code term} (never count old-term replicas).
   */
  boolean maybeCommit(long maxIndex, long term) {
    if (maxIndex > committed && maxIndex <= lastIndex() && term(maxIndex) == term) {
      commitTo(maxIndex);
      return true;
    }
    return false;
  }

  boolean isUpToDate(long lastIndex, long term) {
    long ourTerm = lastTerm();
    return term > ourTerm || (term == ourTerm && lastIndex >= lastIndex());
  }

  /** Entries in [lo, hi) limited to maxBytes (at least one). */
  List<Entry> slice(long lo, long hi, long maxBytes) {
    if (lo >= hi) {
      return List.of();
    }
    long first = firstIndex();
    if (lo < first) {
      throw new LogCompactedException(lo, first);
    }
    if (hi > lastIndex() + 1) {
      throw new IllegalArgumentException("slice beyond last index");
    }
    List<Entry> out = new ArrayList<>();
    if (lo < unstable.offset) {
      List<Entry> stored = storage.entries(lo, Math.min(hi, unstable.offset), maxBytes);
      out.addAll(stored);
      if (stored.size() < Math.min(hi, unstable.offset) - lo) {
        return out; // size limit reached
      }
    }
    if (hi > unstable.offset) {
      long from = Math.max(lo, unstable.offset);
      long size = 0;
      for (Entry e : out) {
        size += e.sizeBytes();
      }
      for (long i = from; i < hi; i++) {
        Entry e = unstable.entries.get((int) (i - unstable.offset));
        size += e.sizeBytes();
        if (!out.isEmpty() && size > maxBytes) {
          break;
        }
        out.add(e);
      }
    }
    return out;
  }

  /**
   * The entries in [lo, hi) in order, read a page of at most the apply batch size at a time, so
   * that scanning a long unapplied tail never holds all of it in memory, and stopping early reads
   * no further.
   */
  Iterable<Entry> paged(long lo, long hi) {
    return () ->
        new Iterator<>() {
          private long next = lo;
          private Iterator<Entry> page = Collections.emptyIterator();

          @Override
          public boolean hasNext() {
            return page.hasNext() || next < hi;
          }

          @Override
          public Entry next() {
            if (!page.hasNext()) {
              if (next >= hi) {
                throw new NoSuchElementException();
              }
              List<Entry> p = slice(next, hi, maxApplyBytes);
              next = p.get(p.size() - 1).index() + 1;
              page = p.iterator();
            }
            return page.next();
          }
        };
  }

  List<Entry> entriesFrom(long lo, long maxBytes) {
    return slice(lo, lastIndex() + 1, maxBytes);
  }

  boolean hasPendingSnapshot() {
    return unstable.snapshot != null;
  }

  /** Whether committed entries wait to be handed to the host. */
  boolean hasNextCommittedEnts() {
    return !hasPendingSnapshot() && committed > applying;
  }

  List<Entry> nextCommittedEnts() {
    if (!hasNextCommittedEnts()) {
      return List.of();
    }
    return slice(applying + 1, committed + 1, maxApplyBytes);
  }

  void acceptApplying(long index) {
    applying = Math.max(applying, index);
  }

  void appliedTo(long index) {
    applied = Math.max(applied, index);
    applying = Math.max(applying, applied);
  }

  Snapshot snapshot() {
    return unstable.snapshot != null ? unstable.snapshot : storage.snapshot();
  }

  void restore(Snapshot s) {
    committed = s.index();
    unstable.restore(s);
    confChanges.clear();
    confScannedThrough = s.index();
  }

  /**
   * The membership change entries in {@code (applied, through]}, in index order; {@code through} at
   * most the last index. Reads only the entries not scanned before.
   */
  Collection<Entry> unappliedConfChanges(long through) {
    long from = Math.max(applied, confScannedThrough) + 1;
    if (from <= through) {
      for (Entry e : paged(from, through + 1)) {
        if (e.type() == EntryType.CONF_CHANGE) {
          confChanges.put(e.index(), e);
        }
      }
      confScannedThrough = through;
    }
    confChanges.headMap(applied, true).clear();
    return confChanges.headMap(through, true).values();
  }
}
