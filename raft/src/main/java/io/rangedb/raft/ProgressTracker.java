package io.rangedb.raft;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The leader's (and a candidate's) bookkeeping: the configuration, a {@link Progress} per member,
 * and the votes of the current election. Every quorum question is answered over voters only.
 */
final class ProgressTracker {
  Membership config;
  final TreeMap<Long, Progress> progress = new TreeMap<>();
  final Map<Long, Boolean> votes = new HashMap<>();

  /**
   * During a campaign: the configuration the candidate's log leads to when it differs from the one
   * applied ({@code config}); the election must be won in both. Null otherwise.
   */
  Membership configInLog;

  private final int maxInflight;

  ProgressTracker(Membership config, int maxInflight) {
    this.config = config;
    this.maxInflight = maxInflight;
  }

  /** Switches to a configuration, keeping the progress of members that stay. */
  void setConfig(Membership next, long nextIndex) {
    config = next;
    progress.keySet().retainAll(next.allMembers());
    for (Long id : next.allMembers()) {
      Progress p = progress.get(id);
      if (p == null) {
        p = new Progress(nextIndex, maxInflight, false);
        // A new member counts as active so that check-quorum does not depose the leader before
        // the member had a chance to answer.
        p.recentActive = true;
        progress.put(id, p);
      }
      p.learner = !next.isVoter(id);
    }
  }

  /** Resets every member to probe from {@code nextIndex} (a new term). */
  void resetAll(long nextIndex) {
    progress.clear();
    for (Long id : config.allMembers()) {
      Progress p = new Progress(nextIndex, maxInflight, !config.isVoter(id));
      progress.put(id, p);
    }
  }

  long committedIndex() {
    return Quorum.jointValue(config.incoming, config.outgoing, this::matchOf);
  }

  private long matchOf(Long id) {
    Progress p = progress.get(id);
    return p == null ? 0 : p.match;
  }

  /** The leader tick that a quorum of voters has acknowledged (the start of the lease). */
  long quorumAckedTick() {
    return Quorum.jointValue(
        config.incoming,
        config.outgoing,
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
    return Quorum.jointVote(config.incoming, config.outgoing, active) == VoteResult.WON;
  }

  void resetVotes() {
    votes.clear();
    configInLog = null;
  }

  void recordVote(long id, boolean granted) {
    votes.putIfAbsent(id, granted);
  }

  VoteResult tally() {
    VoteResult applied = Quorum.jointVote(config.incoming, config.outgoing, votes);
    return configInLog == null
        ? applied
        : Quorum.both(applied, Quorum.jointVote(configInLog.incoming, configInLog.outgoing, votes));
  }
}
