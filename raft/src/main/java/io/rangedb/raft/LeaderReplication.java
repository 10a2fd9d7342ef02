package io.rangedb.raft;

import java.util.List;
import java.util.Map;

/**
 * The leader side of replication: what the leader sends each follower (appends, snapshots when the
 * entries are compacted away, heartbeats) and what it learns from their answers, kept per member in
 * {@link Progress} (PROBE / REPLICATE / SNAPSHOT, fast back-off on a rejection). The transport's
 * reports on unreachable members and snapshots land here too. Its state is the tracker's progress.
 */
final class LeaderReplication {
  private final Raft raft;

  LeaderReplication(Raft raft) {
    this.raft = raft;
  }

  void bcastAppend() {
    for (Long pid : raft.tracker.progress.keySet()) {
      if (pid != raft.id) {
        maybeSendAppend(pid, true);
      }
    }
  }

  void bcastHeartbeat(byte[] context) {
    for (Map.Entry<Long, Progress> e : raft.tracker.progress.entrySet()) {
      long pid = e.getKey();
      if (pid == raft.id) {
        continue;
      }
      // Never tell a follower to commit beyond what it is known to have.
      long commit = Math.min(e.getValue().match, raft.log.committed);
      raft.send(
          Message.builder(MessageType.HEARTBEAT)
              .to(pid)
              .commit(commit)
              .index(raft.ticks)
              .context(context));
    }
  }

  boolean maybeSendAppend(long to, boolean sendIfEmpty) {
    RaftLog log = raft.log;
    Progress pr = raft.tracker.progress.get(to);
    if (pr == null || pr.isPaused()) {
      return false;
    }
    if (pr.next > log.lastIndex() + 1) {
      pr.next = log.lastIndex() + 1;
    }
    long prevIndex = pr.next - 1;
    long prevTerm;
    List<Entry> ents;
    try {
      prevTerm = log.term(prevIndex);
      ents = log.entriesFrom(pr.next, raft.cfg.maxSizePerMsg());
    } catch (LogCompactedException e) {
      return sendSnapshot(to, pr);
    }
    if (ents.isEmpty() && !sendIfEmpty) {
      return false;
    }
    raft.send(
        Message.builder(MessageType.APP)
            .to(to)
            .index(prevIndex)
            .logTerm(prevTerm)
            .entries(ents)
            .commit(log.committed));
    pr.sentEntries(ents.size(), ents.isEmpty() ? prevIndex : ents.get(ents.size() - 1).index());
    return true;
  }

  private boolean sendSnapshot(long to, Progress pr) {
    if (!pr.recentActive) {
      return false; // do not ship a snapshot to a member that may be down
    }
    Snapshot s;
    try {
      s = raft.log.snapshot();
    } catch (SnapshotUnavailableException e) {
      return false;
    }
    raft.send(Message.builder(MessageType.SNAP).to(to).snapshot(s));
    pr.becomeSnapshot(s.index());
    return true;
  }

  void handleAppendResponse(Message m) {
    Progress pr = raft.tracker.progress.get(m.from());
    if (pr == null) {
      return;
    }
    pr.recentActive = true;
    if (m.reject()) {
      long nextProbe = m.rejectHint();
      if (m.logTerm() > 0) {
        nextProbe = raft.log.findConflictByTerm(m.rejectHint(), m.logTerm())[0];
      }
      if (pr.maybeDecrTo(m.index(), nextProbe)) {
        if (pr.state == ProgressState.REPLICATE) {
          pr.becomeProbe();
        }
        maybeSendAppend(m.from(), true);
      }
      return;
    }
    if (m.index() > raft.log.lastIndex()) {
      return; // no follower holds what we never had: a sender's bug, which would commit it
    }
    boolean probeMatched = pr.state == ProgressState.PROBE && pr.match == m.index();
    if (!pr.maybeUpdate(m.index()) && !probeMatched) {
      if (pr.state == ProgressState.REPLICATE) {
        pr.inflights.freeLE(m.index());
      }
      return;
    }
    switch (pr.state) {
      case PROBE -> pr.becomeReplicate();
      case SNAPSHOT -> {
        if (pr.match >= pr.pendingSnapshot) {
          pr.becomeProbe();
          pr.becomeReplicate();
        }
      }
      case REPLICATE -> pr.inflights.freeLE(m.index());
    }
    if (raft.commit.maybeCommit()) {
      raft.commit.broadcastCommit();
    }
    while (maybeSendAppend(m.from(), false)) {
      // fill the window
    }
    if (m.from() == raft.leadTransferee && pr.match == raft.log.lastIndex()) {
      raft.transfer.sendTimeoutNow(m.from());
    }
  }

  void handleHeartbeatResponse(Message m) {
    Progress pr = raft.tracker.progress.get(m.from());
    if (pr == null) {
      return;
    }
    pr.recentActive = true;
    pr.probeSent = false;
    pr.ackedTick = Math.max(pr.ackedTick, m.index());
    if (pr.state == ProgressState.REPLICATE && pr.inflights.full()) {
      // Free one slot so a lost APP cannot stall the stream forever.
      pr.inflights.freeLE(pr.match + 1);
      if (pr.inflights.full()) {
        pr.becomeProbe();
      }
    }
    if (pr.match < raft.log.lastIndex()) {
      maybeSendAppend(m.from(), true);
    }
    raft.reads.onHeartbeatAck(m);
  }

  void reportUnreachable(long node) {
    Progress pr = raft.tracker.progress.get(node);
    if (raft.role == Role.LEADER && pr != null && pr.state == ProgressState.REPLICATE) {
      pr.becomeProbe();
    }
  }

  void reportSnapshot(long node, boolean ok) {
    Progress pr = raft.tracker.progress.get(node);
    if (raft.role != Role.LEADER || pr == null || pr.state != ProgressState.SNAPSHOT) {
      return;
    }
    if (!ok) {
      pr.pendingSnapshot = 0;
    }
    pr.becomeProbe();
    // Wait for the next heartbeat response before probing, as after any probe.
    pr.probeSent = true;
  }
}
