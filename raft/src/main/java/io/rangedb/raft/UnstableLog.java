package io.rangedb.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * Entries (and at most one incoming snapshot) the core has accepted but the host has not yet made
 * durable. They move to storage when the host advances past the Ready that carried them.
 */
final class UnstableLog {
  Snapshot snapshot;
  // entries.get(0) has index offset.
  final ArrayList<Entry> entries = new ArrayList<>();
  long offset;

  UnstableLog(long offset) {
    this.offset = offset;
  }

  /** First index if the unstable part knows it (only through a snapshot), else -1. */
  long maybeFirstIndex() {
    return snapshot != null ? snapshot.index() + 1 : -1;
  }

  /** Last index if the unstable part knows it, else -1. */
  long maybeLastIndex() {
    if (!entries.isEmpty()) {
      return offset + entries.size() - 1;
    }
    return snapshot != null ? snapshot.index() : -1;
  }

  /** Term at index if the unstable part knows it, else -1. */
  long maybeTerm(long index) {
    if (index < offset) {
      return snapshot != null && snapshot.index() == index ? snapshot.term() : -1;
    }
    long last = maybeLastIndex();
    if (last == -1 || index > last) {
      return -1;
    }
    return entries.get((int) (index - offset)).term();
  }

  /** The entries up to (index, term) are durable now; drop them if they are still ours. */
  void stableTo(long index, long term) {
    long t = maybeTerm(index);
    if (t != term || index < offset) {
      // Replaced in the meantime by a newer leader's entries: those are still to be persisted.
      return;
    }
    entries.subList(0, (int) (index + 1 - offset)).clear();
    offset = index + 1;
  }

  void stableSnapTo(long index) {
    if (snapshot != null && snapshot.index() == index) {
      snapshot = null;
    }
  }

  void restore(Snapshot s) {
    offset = s.index() + 1;
    entries.clear();
    snapshot = s;
  }

  void truncateAndAppend(List<Entry> ents) {
    long after = ents.get(0).index();
    if (after == offset + entries.size()) {
      entries.addAll(ents);
    } else if (after <= offset) {
      // Replaces everything unstable (and overwrites durable entries from 'after' on).
      offset = after;
      entries.clear();
      entries.addAll(ents);
    } else {
      entries.subList((int) (after - offset), entries.size()).clear();
      entries.addAll(ents);
    }
  }

  List<Entry> slice(long lo, long hi) {
    return new ArrayList<>(entries.subList((int) (lo - offset), (int) (hi - offset)));
  }
}
