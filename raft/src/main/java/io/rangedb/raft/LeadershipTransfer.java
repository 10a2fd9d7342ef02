package io.rangedb.raft;

/**
 * Leadership transfer: the leader brings the target's log up to date, then sends it TIMEOUT_NOW so
 * it campaigns at once; the transfer is abandoned if it does not finish within an election timeout
 * (see {@link Raft}'s leader tick). Also the hand-off of a leader that is no longer a voter of the
 * incoming configuration, which transfers to the most caught-up incoming voter. The transferee is
 * the replica's state ({@link Raft#leadTransferee}): proposals, reads and the lease consult it.
 */
final class LeadershipTransfer {
  private final Raft raft;

  LeadershipTransfer(Raft raft) {
    this.raft = raft;
  }

  /** The leader's tick: hands off if removed, or retries a hand-off that timed out. */
  void tick() {
    handOffIfRemoved();
    Membership c = raft.tracker.config;
    if (c.isJoint()
        && c.autoLeave
        && !c.incoming.contains(raft.id)
        && raft.log.applied >= raft.pendingConfIndex) {
      handOff(); // retry a hand-off that timed out
    }
  }

  void transferLeadership(long target) {
    if (raft.role != Role.LEADER) {
      if (raft.lead != 0) {
        raft.send(Message.builder(MessageType.TRANSFER_LEADER).to(raft.lead).index(target));
      }
      return;
    }
    if (target == raft.id || target == 0) {
      return;
    }
    Progress pr = raft.tracker.progress.get(target);
    if (pr == null || !raft.tracker.config.isVoter(target)) {
      return;
    }
    if (raft.leadTransferee == target) {
      return;
    }
    raft.electionElapsed = 0; // the transfer must finish within one election timeout
    raft.leadTransferee = target;
    if (pr.match == raft.log.lastIndex()) {
      sendTimeoutNow(target);
    } else {
      raft.replication.maybeSendAppend(target, true);
    }
  }

  void sendTimeoutNow(long to) {
    raft.sentTimeoutNow = true;
    raft.send(Message.builder(MessageType.TIMEOUT_NOW).to(to));
  }

  /**
   * A leader that is not a voter of the incoming configuration (removed, or only in the outgoing
   * half of a joint one) transfers leadership to the most caught-up incoming voter, and takes no
   * proposals meanwhile: the less it appends after its own removal, the less its log can outgrow
   * those of the members who still need its vote.
   */
  void handOffIfRemoved() {
    if (raft.role == Role.LEADER && !raft.tracker.config.incoming.contains(raft.id)) {
      handOff();
    }
  }

  /** Transfers leadership to the most caught-up voter of the incoming configuration. */
  void handOff() {
    handOff(v -> false);
  }

  /**
   * Transfers leadership to the most caught-up voter of the incoming configuration other than those
   * {@code excluded} (on nodes known to be down, say), unless a transfer is under way. Returns the
   * voter chosen, 0 if none was (not leader, a transfer under way, or no voter left).
   */
  long handOff(java.util.function.LongPredicate excluded) {
    if (raft.role != Role.LEADER || raft.leadTransferee != 0) {
      return 0;
    }
    long best = 0;
    long bestMatch = -1;
    for (Long v : raft.tracker.config.incoming) {
      if (v == raft.id || excluded.test(v)) {
        continue;
      }
      Progress p = raft.tracker.progress.get(v);
      if (p != null && p.match > bestMatch) {
        best = v;
        bestMatch = p.match;
      }
    }
    if (best != 0) {
      transferLeadership(best);
    }
    return best;
  }
}
