package io.rangedb.raft;

import io.rangedb.raft.ProposalDroppedException.Reason;
import java.util.List;

/**
 * Proposals: the admission of new entries, local or forwarded to the leader. A leader refuses while
 * it transfers leadership, while a membership change is pending or the change is invalid, and
 * beyond {@code maxUncommittedBytes} of proposals not yet applied (backpressure); locally these
 * refusals throw a typed {@link ProposalDroppedException}, forwarded proposals are dropped
 * silently. Its state is the count of those bytes; appending is {@link LeaderCommit}'s job.
 */
final class Proposals {
  private final Raft raft;

  /** Payload bytes this leader appended that are not applied yet (proposal backpressure). */
  private long uncommittedBytes;

  Proposals(Raft raft) {
    this.raft = raft;
  }

  /** A new term or role: a new leader starts with nothing outstanding. */
  void reset() {
    uncommittedBytes = 0;
  }

  long propose(List<Entry> ents) {
    if (raft.role == Role.LEADER) {
      if (raft.leadTransferee != 0 || !raft.tracker.config.incoming.contains(raft.id)) {
        throw new ProposalDroppedException(
            Reason.LEADER_TRANSFERRING, raft.leadTransferee, "to " + raft.leadTransferee);
      }
      for (Entry e : ents) {
        if (e.type() == EntryType.CONF_CHANGE) {
          Reason r = confChangeRefusal(e.data());
          if (r != null) {
            throw new ProposalDroppedException(r, raft.lead, "");
          }
        }
      }
      if (!admitUncommitted(ents)) {
        throw new ProposalDroppedException(
            Reason.BACKLOG, raft.lead, uncommittedBytes + " bytes not yet committed");
      }
      return raft.commit.appendAndBroadcast(ents);
    }
    if (raft.lead == 0) {
      throw new ProposalDroppedException(Reason.NO_LEADER, 0, "");
    }
    if (!raft.cfg.forwardProposals()) {
      throw new ProposalDroppedException(Reason.NOT_LEADER, raft.lead, "");
    }
    raft.send(Message.builder(MessageType.PROP).to(raft.lead).entries(ents));
    return 0;
  }

  /** A proposal forwarded to this leader: the same checks as {@link #propose}, without answers. */
  void handleForwarded(Message m) {
    if (raft.leadTransferee != 0) {
      return;
    }
    for (Entry e : m.entries()) {
      if (e.type() == EntryType.CONF_CHANGE && confChangeRefusal(e.data()) != null) {
        return;
      }
    }
    if (!admitUncommitted(m.entries())) {
      return;
    }
    if (!m.entries().isEmpty()) {
      raft.commit.appendAndBroadcast(m.entries());
    }
  }

  /**
   * Counts proposed bytes against the cap; refuses once the cap is reached (but always admits
   * something when nothing is outstanding, so one large command cannot block forever).
   */
  private boolean admitUncommitted(List<Entry> ents) {
    long size = 0;
    for (Entry e : ents) {
      size += e.data().length;
    }
    if (uncommittedBytes > 0 && uncommittedBytes + size > raft.cfg.maxUncommittedBytes()) {
      return false;
    }
    uncommittedBytes += size;
    return true;
  }

  /** Applied entries no longer count as uncommitted (older terms' entries just clamp at 0). */
  void reduceUncommitted(List<Entry> applied) {
    if (uncommittedBytes == 0) {
      return;
    }
    for (Entry e : applied) {
      uncommittedBytes = Math.max(0, uncommittedBytes - e.data().length);
    }
  }

  /** Why the leader refuses a membership change now, or null if it accepts it. */
  private Reason confChangeRefusal(byte[] data) {
    if (raft.pendingConfIndex > raft.log.applied) {
      return Reason.CONF_CHANGE_PENDING;
    }
    try {
      ConfChange cc = ConfChange.decode(data);
      Membership next = ConfChanger.apply(raft.tracker.config, cc);
      Membership last = next.isJoint() && next.autoLeave ? ConfChanger.leaveJoint(next) : next;
      if (!last.isVoter(raft.id)) {
        // The leader never removes or demotes itself: a leader that is not a voter, if it then
        // fails, can leave the others unable to elect anybody (they may still need its vote in
        // the old configuration, and its longer log makes it refuse). Transfer leadership first.
        return Reason.CONF_CHANGE_INVALID;
      }
      return null;
    } catch (IllegalArgumentException e) {
      return Reason.CONF_CHANGE_INVALID;
    }
  }
}
