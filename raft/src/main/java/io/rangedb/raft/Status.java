package io.rangedb.raft;

import java.util.Map;

/**
 * A snapshot of one replica's Raft state for status pages, metrics and placement decisions (e.g.
 * whether a learner has caught up before promoting it).
 *
 * @param progress the leader's view of each member; empty unless this replica leads
 */
public record Status(
    long id,
    Role role,
    long term,
    long vote,
    long leader,
    long commit,
    long applied,
    long lastIndex,
    ConfState conf,
    Map<Long, Member> progress,
    long leadTransferee) {

  /** How far one member's log matches the leader's, and how the leader replicates to it. */
  public record Member(long match, long next, ProgressState state, boolean recentActive) {}
}
