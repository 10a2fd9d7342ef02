package io.rangedb.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The leader's own log and the commit index: stamping and appending new entries, counting its own
 * log once the host reports it durable, advancing the commit index by quorum, and telling followers
 * that it moved (at once, or deferred until nobody owes an acknowledgement). Sending the appends
 * themselves is {@link LeaderReplication}'s job. Its own state is only the deferred broadcast.
 */
final class LeaderCommit {
  private final Raft raft;

  /** A commit index held back from followers (see {@link #broadcastCommit}). */
  private boolean commitBroadcastPending;

  LeaderCommit(Raft raft) {
    this.raft = raft;
  }

  /** A new term or role: nothing is held back. */
  void reset() {
    commitBroadcastPending = false;
  }

  /** The quiesce heartbeat carries the commit index: nothing more to send. */
  void dropPendingBroadcast() {
    commitBroadcastPending = false;
  }

  long appendEntries(List<Entry> ents) {
    long li = raft.log.lastIndex();
    List<Entry> stamped = new ArrayList<>(ents.size());
    for (Entry e : ents) {
      stamped.add(new Entry(raft.term, ++li, e.type(), e.data()));
    }
    raft.log.append(stamped);
    return li;
  }

  long appendAndBroadcast(List<Entry> ents) {
    long last = appendEntries(ents);
    for (Entry e : ents) {
      if (e.type() == EntryType.CONF_CHANGE) {
        raft.pendingConfIndex = last; // conservative: the batch's last index
      }
    }
    raft.replication.bcastAppend();
    return last;
  }

  /** Called by the host through advance: entries up to (index, term) are durable. */
  void onPersisted(long index, long entryTerm) {
    raft.log.unstable.stableTo(index, entryTerm);
    if (raft.role == Role.LEADER && raft.log.matchTerm(index, entryTerm)) {
      Progress self = raft.tracker.progress.get(raft.id);
      if (self != null && self.maybeUpdate(index) && maybeCommit()) {
        broadcastCommit();
      }
    }
  }

  boolean maybeCommit() {
    boolean moved = raft.log.maybeCommit(raft.tracker.committedIndex(), raft.term);
    if (moved) {
      raft.reads.onCommitted();
    }
    return moved;
  }

  boolean committedEntryInCurrentTerm() {
    return raft.log.term(raft.log.committed) == raft.term;
  }

  /**
   * Tells followers that the commit index moved. With {@link RaftConfig#deferCommitBroadcast()},
   * only followers with entries still to receive get an append now (it carries the commit); the
   * others wait for {@link #flushCommit} or the quiesce heartbeat, which saves a round of empty
   * appends and their acknowledgements on every commit that leaves the group idle.
   */
  void broadcastCommit() {
    if (!raft.cfg.deferCommitBroadcast()) {
      raft.replication.bcastAppend();
      return;
    }
    for (Long pid : raft.tracker.progress.keySet()) {
      if (pid != raft.id) {
        raft.replication.maybeSendAppend(pid, false);
      }
    }
    commitBroadcastPending = true;
  }

  /**
   * Sends the commit index held back by {@link #broadcastCommit} once no live follower still owes
   * an acknowledgement (while one does, its ack may make the group quiesce, and the quiesce
   * heartbeat carries the commit). Heartbeats carry it too, so holding it back delays followers'
   * apply by at most a heartbeat interval and never affects safety.
   */
  void flushCommit(java.util.function.LongPredicate down) {
    if (!commitBroadcastPending) {
      return;
    }
    if (raft.role != Role.LEADER) {
      commitBroadcastPending = false;
      return;
    }
    long last = raft.log.lastIndex();
    for (Map.Entry<Long, Progress> e : raft.tracker.progress.entrySet()) {
      if (e.getKey() != raft.id && e.getValue().match < last && !down.test(e.getKey())) {
        return;
      }
    }
    commitBroadcastPending = false;
    raft.replication.bcastAppend();
  }
}
