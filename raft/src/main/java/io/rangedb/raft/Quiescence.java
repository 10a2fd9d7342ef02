package io.rangedb.raft;

import java.util.Map;

/**
 * Quiescence: whether a leader's group is idle and fully replicated, so that the host may stop
 * ticking it, and the last heartbeat that tells followers so. No state of its own: it reads the
 * whole replica and, when quiescing, gives up the lease (the group's clock will stand still).
 */
final class Quiescence {
  private final Raft raft;

  Quiescence(Raft raft) {
    this.raft = raft;
  }

  /**
   * Whether this leader's group is fully caught up and idle, so the host may stop ticking it.
   * Members on nodes the host knows to be down do not hold it back (they wake the group when they
   * return). A lease group read often ({@link LinearizableReads#readOften}) is not idle: it keeps
   * its lease.
   */
  boolean canQuiesce(java.util.function.LongPredicate down) {
    RaftLog log = raft.log;
    if (raft.role != Role.LEADER
        || raft.leadTransferee != 0
        || !raft.reads.isIdle()
        || raft.reads.readOften()
        || raft.tracker.config.isJoint()
        || !raft.msgs.isEmpty()
        || !raft.msgsAfterPersist.isEmpty()
        || !log.unstable.entries.isEmpty()) {
      return false;
    }
    long last = log.lastIndex();
    if (log.committed != last || log.applied != last) {
      return false;
    }
    for (Map.Entry<Long, Progress> e : raft.tracker.progress.entrySet()) {
      if (e.getValue().match != last && !down.test(e.getKey())) {
        return false;
      }
    }
    return true;
  }

  /** Tells followers the group goes idle, and gives up the lease (our clock will stand still). */
  void quiesce() {
    raft.commit.dropPendingBroadcast(); // the quiesce heartbeat carries the commit index
    for (Map.Entry<Long, Progress> e : raft.tracker.progress.entrySet()) {
      e.getValue().ackedTick = Long.MIN_VALUE;
      if (e.getKey() != raft.id) {
        raft.send(
            Message.builder(MessageType.HEARTBEAT)
                .to(e.getKey())
                .commit(Math.min(e.getValue().match, raft.log.committed))
                .index(raft.ticks)
                .context(Message.QUIESCE));
      }
    }
    // Our clock stands still from here. Leap it a whole election timeout, so that no
    // acknowledgement of a heartbeat sent so far, however late it comes (while quiesced, or once
    // woken), backs a lease: each would otherwise count from a tick that no longer follows real
    // time.
    raft.ticks += raft.cfg.electionTicks();
    raft.reads.clockLeapt(raft.cfg.electionTicks());
  }
}
