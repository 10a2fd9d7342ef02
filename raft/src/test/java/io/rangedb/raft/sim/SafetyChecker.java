package io.rangedb.raft.sim;

import io.rangedb.raft.Entry;
import io.rangedb.raft.Snapshot;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Raft's safety properties, checked as the simulation runs: election safety (at most one leader per
 * term), state machine safety (an index, once applied anywhere, holds the same entry everywhere and
 * forever), in-order application without gaps, and leader completeness (a new leader holds every
 * entry applied anywhere so far).
 */
final class SafetyChecker {
  private final Map<Long, Long> leaderOfTerm = new HashMap<>();

  /** Index -> entry applied there (the committed log as observed). */
  final Map<Long, Entry> committed = new HashMap<>();

  long maxCommitted;

  /** Op id -> log index, for writes that took effect. */
  final Map<Long, Long> writeIndex = new HashMap<>();

  void onLeader(long term, long node) {
    Long prev = leaderOfTerm.putIfAbsent(term, node);
    if (prev != null && prev != node) {
      throw new AssertionError(
          "election safety: " + prev + " and " + node + " both lead term " + term);
    }
  }

  int leaderTerms() {
    return leaderOfTerm.size();
  }

  /** Membership changes committed (applied by some replica). */
  int confChangesCommitted() {
    return (int)
        committed.values().stream()
            .filter(e -> e.type() == io.rangedb.raft.EntryType.CONF_CHANGE)
            .count();
  }

  /**
   * Lease safety, checked directly: while a leader believes its lease holds (and would answer reads
   * locally), no leader of a newer term may exist anywhere.
   */
  void checkLeases(java.util.Collection<SimNode> nodes) {
    for (SimNode a : nodes) {
      if (!a.alive || a.raft.role() != io.rangedb.raft.Role.LEADER || !a.raft.leaseValid()) {
        continue;
      }
      for (SimNode b : nodes) {
        if (b.alive
            && b.raft.role() == io.rangedb.raft.Role.LEADER
            && b.raft.term() > a.raft.term()) {
          throw new AssertionError(
              "lease safety: "
                  + a.id
                  + " holds a lease in term "
                  + a.raft.term()
                  + " while "
                  + b.id
                  + " leads term "
                  + b.raft.term());
        }
      }
    }
  }

  void onApply(long node, long previouslyApplied, Entry e) {
    if (e.index() != previouslyApplied + 1) {
      throw new AssertionError(
          "node " + node + " applied " + e.index() + " after " + previouslyApplied);
    }
    Entry prev = committed.putIfAbsent(e.index(), e);
    if (prev != null && !prev.equals(e)) {
      throw new AssertionError(
          "state machine safety: index " + e.index() + " applied as " + prev + " and " + e);
    }
    maxCommitted = Math.max(maxCommitted, e.index());
  }

  void onWriteApplied(long opId, long index) {
    Long prev = writeIndex.putIfAbsent(opId, index);
    if (prev != null && prev != index) {
      throw new AssertionError("op " + opId + " applied at " + prev + " and " + index);
    }
  }

  void onSnapshot(long node, Snapshot s) {
    Entry e = committed.get(s.index());
    if (e != null && e.term() != s.term()) {
      throw new AssertionError(
          "node " + node + " installed snapshot " + s + " but index holds term " + e.term());
    }
  }

  /** The log of a newly elected leader, from its first index on. */
  void onNewLeaderLog(long node, long term, long firstIndex, List<Entry> log) {
    for (long i = firstIndex; i <= maxCommitted; i++) {
      Entry c = committed.get(i);
      int pos = (int) (i - firstIndex);
      if (c == null) {
        continue;
      }
      if (pos >= log.size() || log.get(pos).term() != c.term()) {
        throw new AssertionError(
            "leader completeness: leader " + node + " of term " + term + " lacks committed " + c);
      }
    }
  }
}
