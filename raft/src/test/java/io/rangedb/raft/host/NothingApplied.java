package io.rangedb.raft.host;

import io.rangedb.raft.Entry;
import io.rangedb.raft.Snapshot;

/** A state machine that keeps nothing, for host tests whose checks need no state. */
final class NothingApplied implements RaftHost.StateMachine {
  @Override
  public void apply(long groupId, Entry entry) {}

  @Override
  public void restore(long groupId, Snapshot snapshot) {}
}
