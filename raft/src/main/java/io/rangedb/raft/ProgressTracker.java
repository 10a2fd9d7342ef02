package io.rangedb.raft;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * The leader's (and a candidate's) bookkeeping: the configuration, a {@link Progress} per member,
 * and the votes of the current election. Every quorum question is answered over voters only.
 */
final class ProgressTracker {
  Membership config;
  final TreeMap<Long, Progress> progress = new TreeMap<>();
  final Map<Long, Boolean> votes = new HashMap<>();

  /**
   * The configuration a candidate's or leader's log leads to when its log holds membership changes
   * it has not applied (null otherwise), and the index of the last of them. Configurations take
   * effect when applied, so {@code config} may be older than one the group already runs on. While
   * this is set, votes and commits are counted in it alone, as the Raft dissertation has every
   * replica count in the newest configuration of its log: the applied one may need a replica that
   * the group removed and that is gone for good. The lease, ReadIndex and check-quorum, which only
   * confirm a leadership, need a quorum of both (stricter, and only until the leader applied it).
   */
  Membership configInLog;

  long configInLogIndex;

  private final int maxInflight;

  ProgressTracker(Membership config, int maxInflight) {
    this.config = config;
    this.maxInflight = maxInflight;
  }

  /** Switches to a configuration, keeping the progress of members that stay. */
  void setConfig(Membership next, long nextIndex) {
    config = next;
    Set<Long> members = members();
    progress.keySet().retainAll(members);
    for (Long id : members) {
      Progress p = progress.get(id);
      if (p == null) {
        p = new Progress(nextIndex, maxInflight, false);
        // A new member counts as active so that check-quorum does not depose the leader before
        // the member had a chance to answer.
        p.recentActive = true;
        progress.put(id, p);
      }
      p.learner = !isVoter(id);
    }
  }

  /** Resets every member to probe from {@code nextIndex} (a new term). */
  void resetAll(long nextIndex) {
    progress.clear();
    for (Long id : members()) {
      progress.put(id, new Progress(nextIndex, maxInflight, !isVoter(id)));
    }
  }

  /** Sets (or clears, with null) the configuration the log leads to; see {@link #configInLog}. */
  void setConfigInLog(Membership m, long index) {
    configInLog = m;
    configInLogIndex = m == null ? 0 : index;
  }

  /** Members of the applied configuration and of the one the log leads to. */
  private Set<Long> members() {
    Set<Long> s = new TreeSet<>(config.allMembers());
    if (configInLog != null) {
      s.addAll(configInLog.allMembers());
    }
    return s;
  }

  private boolean isVoter(long id) {
    return config.isVoter(id) || (configInLog != null && configInLog.isVoter(id));
  }

  long committedIndex() {
    Membership m = countingConfig();
    return Quorum.jointValue(m.incoming, m.outgoing, this::matchOf);
  }

  /** The configuration votes and commits are counted in (see {@link #configInLog}). */
  private Membership countingConfig() {
    return configInLog != null ? configInLog : config;
  }

  /** The highest value a quorum of voters has reached, in both configurations when they differ. */
  private long quorumValue(ToLongFunction<Long> valueOf) {
    long v = Quorum.jointValue(config.incoming, config.outgoing, valueOf);
    return configInLog == null
        ? v
        : Math.min(v, Quorum.jointValue(configInLog.incoming, configInLog.outgoing, valueOf));
  }

  /** Whether {@code votes} win in both configurations when they differ (leadership checks). */
  VoteResult quorum(Map<Long, Boolean> votes) {
    VoteResult applied = Quorum.jointVote(config.incoming, config.outgoing, votes);
    return configInLog == null
        ? applied
        : Quorum.both(applied, Quorum.jointVote(configInLog.incoming, configInLog.outgoing, votes));
  }

  /**
   * The lowest index that every member, this replica included, holds durably as far as this leader
   * knows, leaving out members for which {@code skip} is true.
   */
  long lowestMatch(java.util.function.LongPredicate skip) {
    long lowest = Long.MAX_VALUE;
    for (Map.Entry<Long, Progress> e : progress.entrySet()) {
      if (!skip.test(e.getKey())) {
        lowest = Math.min(lowest, e.getValue().match);
      }
    }
    return lowest;
  }

  private long matchOf(Long id) {
    Progress p = progress.get(id);
    return p == null ? 0 : p.match;
  }

  /** The leader tick that a quorum of voters has acknowledged (the start of the lease). */
  long quorumAckedTick() {
    return quorumValue(
        id -> {
          Progress p = progress.get(id);
          return p == null ? Long.MIN_VALUE : p.ackedTick;
        });
  }

  boolean quorumActive() {
    Map<Long, Boolean> active = new HashMap<>();
    progress.forEach(
        (id, p) -> {
          if (!p.learner) {
            active.put(id, p.recentActive);
          }
        });
    return quorum(active) == VoteResult.WON;
  }

  void resetVotes() {
    votes.clear();
  }

  void recordVote(long id, boolean granted) {
    votes.putIfAbsent(id, granted);
  }

  VoteResult tally() {
    Membership m = countingConfig();
    return Quorum.jointVote(m.incoming, m.outgoing, votes);
  }
}
