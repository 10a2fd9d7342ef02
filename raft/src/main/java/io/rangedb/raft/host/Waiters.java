package io.rangedb.raft.host;

import io.rangedb.raft.Entry;
import io.rangedb.raft.ProposalDroppedException;
import io.rangedb.raft.ProposalOutcomeUnknownException;
import io.rangedb.raft.ReadState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The callers waiting on one group of a host: proposals by log index until their entry is applied,
 * reads by context until Raft confirms a read index and then until it is applied. Loop-confined.
 */
final class Waiters {
  private record Proposal(long term, long tick, CompletableFuture<Long> future) {}

  private record Read(long tick, CompletableFuture<Long> future) {}

  /** A membership change applied into a joint configuration, answered once that is left. */
  private record Held(long index, long tick, CompletableFuture<Long> future) {}

  private final long groupId;
  private final Map<Long, Proposal> proposals = new TreeMap<>();
  private final Map<ByteBuffer, Read> reads = new LinkedHashMap<>();
  private final List<Map.Entry<Long, CompletableFuture<Long>>> readsAwaitingApply =
      new ArrayList<>();
  private final List<Held> awaitingLeave = new ArrayList<>();

  Waiters(long groupId) {
    this.groupId = groupId;
  }

  /** Whether no proposal or read waits for Raft (reads waiting only for apply do not count). */
  boolean idle() {
    return proposals.isEmpty() && reads.isEmpty();
  }

  void proposed(long index, long term, long tick, CompletableFuture<Long> f) {
    proposals.put(index, new Proposal(term, tick, f));
  }

  void readRequested(byte[] context, long tick, CompletableFuture<Long> f) {
    reads.put(ByteBuffer.wrap(context), new Read(tick, f));
  }

  /**
   * {@code e} was applied: completes the proposal at its index, or fails it as superseded when a
   * newer leader's entry took the index.
   */
  void applied(Entry e, long leader) {
    Proposal p = proposals.remove(e.index());
    if (p == null) {
      return;
    }
    if (p.term() == e.term()) {
      p.future().complete(e.index());
    } else {
      p.future()
          .completeExceptionally(
              new ProposalDroppedException(
                  ProposalDroppedException.Reason.SUPERSEDED,
                  leader,
                  "index " + e.index() + " holds an entry of term " + e.term()));
    }
  }

  /**
   * {@code e}, a membership change, was applied and put the group into a joint configuration that
   * Raft leaves on its own: its proposal is answered once that happens ({@link #jointLeft}), when
   * the members it removes are out of every quorum.
   */
  void appliedIntoJoint(Entry e, long leader, long tick) {
    Proposal p = proposals.get(e.index());
    if (p == null || p.term() != e.term()) {
      applied(e, leader);
      return;
    }
    proposals.remove(e.index());
    awaitingLeave.add(new Held(e.index(), tick, p.future()));
  }

  /**
   * The group is in a single configuration again: the changes that entered the joint one are done.
   */
  void jointLeft() {
    awaitingLeave.forEach(h -> h.future().complete(h.index()));
    awaitingLeave.clear();
  }

  /** Raft confirmed read points; each read completes once the group has applied its index. */
  void readsConfirmed(List<ReadState> states, long applied) {
    for (ReadState rs : states) {
      Read r = reads.remove(ByteBuffer.wrap(rs.context()));
      if (r != null) {
        readsAwaitingApply.add(Map.entry(rs.index(), r.future()));
      }
    }
    Iterator<Map.Entry<Long, CompletableFuture<Long>>> it = readsAwaitingApply.iterator();
    while (it.hasNext()) {
      Map.Entry<Long, CompletableFuture<Long>> r = it.next();
      if (r.getKey() <= applied) {
        r.getValue().complete(applied);
        it.remove();
      }
    }
  }

  /**
   * Fails the reads Raft has not confirmed: it dropped them (leadership changed) or they waited.
   */
  void abandonReads(long leader, String why) {
    if (reads.isEmpty()) {
      return;
    }
    ProposalDroppedException e =
        new ProposalDroppedException(ProposalDroppedException.Reason.READ_ABANDONED, leader, why);
    reads.values().forEach(r -> r.future().completeExceptionally(e));
    reads.clear();
  }

  /** Fails the proposals at or below {@code index}, whose outcome can no longer be learned. */
  void giveUpProposals(long index, String why) {
    Iterator<Map.Entry<Long, Proposal>> it = proposals.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, Proposal> e = it.next();
      if (e.getKey() > index) {
        break;
      }
      e.getValue()
          .future()
          .completeExceptionally(
              new ProposalOutcomeUnknownException(
                  "group " + groupId + " index " + e.getKey() + ": " + why));
      it.remove();
    }
  }

  /**
   * Gives up on proposals and unconfirmed reads that arrived before tick {@code cutoff}; returns
   * whether it gave up on any.
   */
  boolean expire(long cutoff, long leader, String why) {
    boolean heldExpired =
        awaitingLeave.removeIf(
            h -> {
              if (h.tick() >= cutoff) {
                return false;
              }
              h.future()
                  .completeExceptionally(
                      new ProposalOutcomeUnknownException(
                          "group "
                              + groupId
                              + " index "
                              + h.index()
                              + ": entered the joint configuration, but leaving it was not seen: "
                              + why));
              return true;
            });
    long newestExpired = Long.MIN_VALUE;
    for (Map.Entry<Long, Proposal> e : proposals.entrySet()) {
      if (e.getValue().tick() < cutoff) {
        newestExpired = Math.max(newestExpired, e.getKey());
      }
    }
    if (newestExpired != Long.MIN_VALUE) {
      giveUpProposals(newestExpired, why);
    }
    boolean readsExpired = false;
    for (Read r : reads.values()) {
      readsExpired |= r.tick() < cutoff;
    }
    if (readsExpired) {
      abandonReads(leader, why);
    }
    return heldExpired || newestExpired != Long.MIN_VALUE || readsExpired;
  }

  /**
   * The replica is gone: proposals cannot learn their outcome here (they may still commit through
   * the other replicas), and reads are abandoned.
   */
  void replicaRemoved(long leader, String why) {
    giveUpProposals(Long.MAX_VALUE, why);
    ProposalOutcomeUnknownException unknown =
        new ProposalOutcomeUnknownException("group " + groupId + ": " + why);
    awaitingLeave.forEach(h -> h.future().completeExceptionally(unknown));
    awaitingLeave.clear();
    abandonReads(leader, why);
    ProposalDroppedException e =
        new ProposalDroppedException(ProposalDroppedException.Reason.READ_ABANDONED, leader, why);
    readsAwaitingApply.forEach(r -> r.getValue().completeExceptionally(e));
    readsAwaitingApply.clear();
  }

  /** Fails every waiter with {@code e} (the host stopped). */
  void failAll(Throwable e) {
    proposals.values().forEach(p -> p.future().completeExceptionally(e));
    proposals.clear();
    reads.values().forEach(r -> r.future().completeExceptionally(e));
    reads.clear();
    readsAwaitingApply.forEach(r -> r.getValue().completeExceptionally(e));
    readsAwaitingApply.clear();
    awaitingLeave.forEach(h -> h.future().completeExceptionally(e));
    awaitingLeave.clear();
  }
}
