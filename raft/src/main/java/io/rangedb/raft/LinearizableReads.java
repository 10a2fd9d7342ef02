package io.rangedb.raft;

import io.rangedb.raft.ProposalDroppedException.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Linearizable reads: a read index answered once a quorum confirmed by heartbeat that we still lead
 * ({@code SAFE}), or at once while the lease holds ({@code LEASE_BASED}); requests that arrive
 * before this leader committed an entry of its own term wait for it. Its state is the reads waiting
 * for a quorum or for that first commit; a new term drops them.
 */
final class LinearizableReads {
  private final Raft raft;

  private final ReadIndexQueue readOnly = new ReadIndexQueue();

  /** Read requests that arrived before the leader committed an entry of its own term. */
  private final List<Message> pendingReadIndex = new ArrayList<>();

  /** Reads answered from the lease, without a quorum round (for tests and metrics). */
  long servedFromLease;

  /** Our tick when a read last reached this leader, or {@code Long.MIN_VALUE} if none has. */
  private long lastReadTick = Long.MIN_VALUE;

  /** Our tick when the read before that one reached this leader, or {@code Long.MIN_VALUE}. */
  private long previousReadTick = Long.MIN_VALUE;

  LinearizableReads(Raft raft) {
    this.raft = raft;
  }

  /** A new term or role: reads waiting here are dropped (a host fails them as READ_ABANDONED). */
  void reset() {
    readOnly.clear();
    pendingReadIndex.clear();
  }

  /** Whether no read is waiting (the group may quiesce). */
  boolean isIdle() {
    return readOnly.isEmpty() && pendingReadIndex.isEmpty();
  }

  /**
   * Whether a lease group is read often enough to stay awake for its lease: its last two reads came
   * within an election timeout of each other, and the last within one of now. A quiesced group
   * gives up its lease, so its next read costs a quorum round again (a group read every few ticks
   * would pay one for nearly every read); but a group read less often than once per timeout would
   * find its lease gone anyway, and its heartbeats meanwhile (a dozen messages per tick of awake
   * time) would buy nothing, so a lone read lets it quiesce as a safe read does. Safe reads pay the
   * round anyway.
   */
  boolean readOften() {
    long timeout = raft.cfg.electionTicks();
    return raft.cfg.readOnlyOption() == ReadOnlyOption.LEASE_BASED
        && previousReadTick != Long.MIN_VALUE
        && raft.ticks - lastReadTick < timeout
        && lastReadTick - previousReadTick < timeout;
  }

  /**
   * Our clock leapt {@code ticks} ahead without that time passing (a quiescing leader's, see {@link
   * Quiescence#quiesce}): the reads' ticks leap with it, so that how long ago they came stays true.
   */
  void clockLeapt(long ticks) {
    if (lastReadTick != Long.MIN_VALUE) {
      lastReadTick += ticks;
    }
    if (previousReadTick != Long.MIN_VALUE) {
      previousReadTick += ticks;
    }
  }

  /** The context of the latest read awaiting confirmation, for the next heartbeat to carry. */
  byte[] lastContext() {
    return readOnly.lastContext();
  }

  /** A local read request: served here when leading, else forwarded to the leader. */
  void readIndex(byte[] context) {
    if (raft.role == Role.LEADER) {
      handleReadIndex(raft.id, context);
      return;
    }
    if (raft.lead == 0) {
      throw new ProposalDroppedException(Reason.NO_LEADER, 0, "read index");
    }
    raft.send(Message.builder(MessageType.READ_INDEX).to(raft.lead).context(context));
  }

  void handleReadIndex(long from, byte[] context) {
    previousReadTick = lastReadTick;
    lastReadTick = raft.ticks;
    answer(from, context);
  }

  private void answer(long from, byte[] context) {
    Membership c = raft.tracker.config;
    if (c.incoming.size() == 1 && c.incoming.contains(raft.id) && !c.isJoint()) {
      respondReadIndex(from, context, raft.log.committed);
      return;
    }
    if (!raft.commit.committedEntryInCurrentTerm()) {
      // Our commit index may lag the previous leader's until our no-op commits.
      pendingReadIndex.add(
          Message.builder(MessageType.READ_INDEX).from(from).context(context).build());
      return;
    }
    if (raft.cfg.readOnlyOption() == ReadOnlyOption.LEASE_BASED && leaseValid()) {
      servedFromLease++;
      respondReadIndex(from, context, raft.log.committed);
      return;
    }
    readOnly.add(raft.log.committed, from, context);
    readOnly.ack(raft.id, context);
    raft.replication.bcastHeartbeat(context);
  }

  /** The commit index moved: reads that waited for this term's first commit may proceed. */
  void onCommitted() {
    if (!pendingReadIndex.isEmpty() && raft.commit.committedEntryInCurrentTerm()) {
      List<Message> waiting = new ArrayList<>(pendingReadIndex);
      pendingReadIndex.clear();
      for (Message r : waiting) {
        answer(r.from(), r.context()); // counted as reads when they came
      }
    }
  }

  /** A follower acknowledged a heartbeat: releases the reads a quorum has now confirmed. */
  void onHeartbeatAck(Message m) {
    if (m.context().length == 0) {
      return;
    }
    Set<Long> acks = readOnly.ack(m.from(), m.context());
    if (acks == null) {
      return;
    }
    Map<Long, Boolean> votes = new HashMap<>();
    acks.forEach(a -> votes.put(a, true));
    if (raft.tracker.quorum(votes) == VoteResult.WON) {
      for (ReadIndexQueue.Pending p : readOnly.releaseThrough(m.context())) {
        respondReadIndex(p.from(), p.context(), p.index());
      }
    }
  }

  /**
   * The lease: a quorum acknowledged a heartbeat sent at leader tick T, and each of them refuses to
   * vote for electionTicks of its own ticks after receiving it, so no other leader can exist before
   * T + electionTicks - maxClockDrift on our clock. Our clock is the ticks we were given plus those
   * already due but not delivered (a paused process resumes behind). A transfer voids it (forced
   * campaigns ignore followers' refusal).
   */
  boolean leaseValid() {
    RaftConfig cfg = raft.cfg;
    if (raft.role != Role.LEADER
        || !cfg.checkQuorum()
        || raft.leadTransferee != 0
        || raft.sentTimeoutNow) {
      return false;
    }
    long start = raft.tracker.quorumAckedTick();
    return start != Long.MIN_VALUE
        && start + cfg.electionTicks() - cfg.maxClockDriftTicks()
            > raft.ticks + raft.ticksOverdue.getAsLong();
  }

  private void respondReadIndex(long from, byte[] context, long index) {
    if (from == raft.id) {
      raft.readStates.add(new ReadState(index, context));
    } else {
      raft.send(
          Message.builder(MessageType.READ_INDEX_RESP).to(from).index(index).context(context));
    }
  }
}
