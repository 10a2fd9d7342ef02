package io.rangedb.raft;

import java.util.List;

/**
 * Membership changes as they take effect: the host applies a committed change (or a snapshot brings
 * a configuration), the tracker switches to it, and a leader reacts (hands off if it is no longer
 * an incoming voter, commits what the new quorum allows, and leaves an automatic joint
 * configuration once it is applied). Validating a proposed change is {@link Proposals}' job; the
 * pure transition is {@link ConfChanger}'s. Its own state is the count of invalid changes ignored.
 */
final class MembershipChanges {
  // Raft's logger: logging configuration keeps addressing the core by one name.
  private static final System.Logger LOG = System.getLogger(Raft.class.getName());

  private final Raft raft;

  /** Committed membership changes found invalid when applied (a bug if ever non-zero). */
  long ignoredConfChanges;

  MembershipChanges(Raft raft) {
    this.raft = raft;
  }

  ConfState applyConfChange(ConfChange cc) {
    Membership next;
    try {
      next = ConfChanger.apply(raft.tracker.config, cc);
    } catch (IllegalArgumentException e) {
      // Every replica reaches the same verdict on the same committed entry: ignore it everywhere.
      LOG.log(System.Logger.Level.WARNING, "{0} ignores invalid conf change: {1}", raft.id, e);
      ignoredConfChanges++;
      return raft.tracker.config.toConfState();
    }
    switchToConfig(next);
    return next.toConfState();
  }

  void switchToConfig(Membership next) {
    raft.tracker.setConfig(next, raft.log.lastIndex() + 1);
    if (raft.role != Role.LEADER) {
      return;
    }
    if (!next.incoming.contains(raft.id)) {
      // Removed, demoted, or on the way out (outgoing half only). Stepping down at once could
      // strand the group: the others may not know
      // yet that the change committed and may still need our vote, which our longer log would
      // refuse them. So keep leading (without counting ourselves) and hand leadership to the most
      // caught-up voter; a newer term then retires us.
      raft.transfer.handOffIfRemoved();
    }
    if (raft.leadTransferee != 0 && !next.isVoter(raft.leadTransferee)) {
      raft.leadTransferee = 0;
    }
    if (raft.commit.maybeCommit()) {
      raft.commit.broadcastCommit();
    } else {
      for (Long pid : raft.tracker.progress.keySet()) {
        if (pid != raft.id) {
          raft.replication.maybeSendAppend(pid, false);
        }
      }
    }
  }

  /** After the host applied entries: leave an automatic joint configuration once it is applied. */
  void afterApplied() {
    ProgressTracker t = raft.tracker;
    if (t.configInLog != null && raft.log.applied >= t.configInLogIndex) {
      // The last change the log held is applied: one configuration again (the same one).
      t.setConfigInLog(null, 0);
      t.setConfig(t.config, raft.log.lastIndex() + 1);
    }
    Membership c = t.config;
    if (raft.role == Role.LEADER
        && c.isJoint()
        && c.autoLeave
        && raft.log.applied >= raft.pendingConfIndex) {
      if (!c.incoming.contains(raft.id)) {
        // Leaving would remove us: let a voter of the new configuration lead and leave.
        raft.transfer.handOff();
        return;
      }
      Entry leave = new Entry(0, 0, EntryType.CONF_CHANGE, ConfChange.leaveJoint().encode());
      raft.commit.appendAndBroadcast(List.of(leave));
    }
  }
}
