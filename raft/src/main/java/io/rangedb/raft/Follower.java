package io.rangedb.raft;

/**
 * The follower side of replication: receiving the leader's appends, heartbeats and snapshots, and
 * answering them. A candidate that hears from a leader becomes its follower and lands here too
 * (through {@link Election#stepCandidate}). No state of its own: what it changes is the log and the
 * replica's leader and timer.
 */
final class Follower {
  // Raft's logger: logging configuration keeps addressing the core by one name.
  private static final System.Logger LOG = System.getLogger(Raft.class.getName());

  private final Raft raft;

  Follower(Raft raft) {
    this.raft = raft;
  }

  /** A message to a follower. */
  void step(Message m) {
    switch (m.type()) {
      case APP -> {
        heardFromLeader(m);
        handleAppend(m);
      }
      case HEARTBEAT -> {
        heardFromLeader(m);
        handleHeartbeat(m);
      }
      case SNAP -> {
        heardFromLeader(m);
        handleSnapshot(m);
      }
      case TIMEOUT_NOW -> raft.election.campaign(Election.CampaignType.TRANSFER);
      case READ_INDEX_RESP -> raft.readStates.add(new ReadState(m.index(), m.context()));
      default -> {}
    }
  }

  private void heardFromLeader(Message m) {
    // The promise not to vote starts now: after the ticks already due but not yet delivered.
    long overdue = Math.min(raft.ticksOverdue.getAsLong(), Integer.MAX_VALUE / 2);
    raft.electionElapsed = (int) -overdue;
    raft.lead = m.from();
    raft.leaderHeardTick = raft.ticks + overdue;
  }

  void handleAppend(Message m) {
    RaftLog log = raft.log;
    if (m.index() < log.committed) {
      raft.send(Message.builder(MessageType.APP_RESP).to(m.from()).index(log.committed));
      return;
    }
    long lastNew = log.maybeAppend(m.index(), m.logTerm(), m.commit(), m.entries());
    if (lastNew >= 0) {
      raft.send(Message.builder(MessageType.APP_RESP).to(m.from()).index(lastNew));
      return;
    }
    // Fast back-off: tell the leader where our log may match, with the term there, so it can skip
    // a whole term of entries per round trip instead of one entry.
    long[] hint = log.findConflictByTerm(Math.min(m.index(), log.lastIndex()), m.logTerm());
    raft.send(
        Message.builder(MessageType.APP_RESP)
            .to(m.from())
            .index(m.index())
            .reject(true)
            .rejectHint(hint[0])
            .logTerm(hint[1]));
  }

  void handleHeartbeat(Message m) {
    if (m.commit() <= raft.log.lastIndex()) {
      raft.log.commitTo(m.commit());
    } else if (!raft.log.storage.lostLog().equals(LostLog.NONE)) {
      // A leader sends a commit only up to what this replica acknowledged, so this one was meant
      // for an earlier replica on this node, since removed, destroyed and opened again (replica ids
      // are node ids; the destroyed log's end is recorded). Committing past the log would be wrong,
      // and failing would take the whole host down for a message in flight. (A leader that still
      // counts the old replica's acknowledgements probes above this log until its progress is
      // reset by a new term or a membership change: a replica is destroyed only once it left.)
      LOG.log(
          System.Logger.Level.WARNING,
          "{0}: heartbeat from {1} commits {2}, beyond the last index {3}; ignored as meant for"
              + " the replica destroyed here before",
          raft.id,
          m.from(),
          m.commit(),
          raft.log.lastIndex());
    } else {
      // No replica was ever destroyed here, so this replica itself acknowledged entries through
      // the commit, durably, and no longer has them: the disk lost or truncated an fsynced log.
      // Going on could vote or acknowledge on a log missing what it promised (etcd panics here).
      throw new IllegalStateException(
          "replica "
              + raft.id
              + ": leader "
              + m.from()
              + " commits index "
              + m.commit()
              + ", which this replica acknowledged as durable, but its log ends at "
              + raft.log.lastIndex()
              + ": the Raft log was lost or truncated on disk");
    }
    if (m.isQuiesce()) {
      return; // the leader stops listening once it quiesces: an answer would be wasted
    }
    raft.send(
        Message.builder(MessageType.HEARTBEAT_RESP)
            .to(m.from())
            .index(m.index())
            .context(m.context()));
  }

  void handleSnapshot(Message m) {
    Snapshot s = m.snapshot();
    if (restore(s)) {
      raft.send(Message.builder(MessageType.APP_RESP).to(m.from()).index(raft.log.lastIndex()));
    } else {
      raft.send(Message.builder(MessageType.APP_RESP).to(m.from()).index(raft.log.committed));
    }
  }

  private boolean restore(Snapshot s) {
    RaftLog log = raft.log;
    if (s.index() <= log.committed) {
      return false;
    }
    if (log.applying > log.applied) {
      // The host is still applying entries we handed out; their membership changes must apply to
      // the configuration they were committed in, not to the snapshot's. The leader retries.
      return false;
    }
    if (log.matchTerm(s.index(), s.term())) {
      // We already have the entries: just learn that they are committed.
      log.commitTo(s.index());
      return false;
    }
    log.restore(s);
    raft.membership.switchToConfig(Membership.of(s.conf()));
    return true;
  }
}
