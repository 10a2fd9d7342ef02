package io.rangedb.raft.host;

import io.rangedb.raft.LogStorage;
import io.rangedb.raft.LostLog;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.Snapshot;

/**
 * Where a group being opened on a host resumes applying, and what its state machine must be
 * restored from first: the one decision that reconciles a state machine with the log it is opened
 * on.
 */
final class GroupResume {
  private GroupResume() {}

  /**
   * Where a group being opened resumes applying: at {@code config}'s applied index if it gives one;
   * else, for a durable state machine, at the index it holds, unless that is behind the log's
   * snapshot (a crash came before its restore of a received image reached the disk: it is restored
   * from the image it still holds); else from the log's latest snapshot, which the state machine is
   * restored from.
   *
   * @throws IllegalStateException if the state machine holds more than the log or less than it can
   *     be repaired from
   */
  static RaftConfig resume(
      RaftHost.StateMachine stateMachine, long groupId, LogStorage storage, RaftConfig config) {
    if (config.applied() != 0) {
      return config;
    }
    Snapshot latest = storage.snapshot();
    if (stateMachine instanceof RaftHost.DurableStateMachine durable) {
      long held = durable.appliedIndex(groupId);
      if (held > 0 && storage.lastIndex() == 0 && !storage.lostLog().equals(LostLog.NONE)) {
        // The state of a replica whose log was destroyed here, left by a crash before the state
        // machine dropped it: the log has had nothing since, so nothing applied belongs to it.
        durable.destroy(groupId);
        held = 0;
      }
      if (held > storage.lastIndex()) {
        throw new IllegalStateException(
            "group "
                + groupId
                + ": the state machine has applied through index "
                + held
                + ", past the end of its Raft log at "
                + storage.lastIndex()
                + ": the log lost entries it had");
      }
      if (held >= latest.index()) {
        return held == 0 ? config : config.withApplied(held);
      }
      if (latest.index() > 1 && !durable.holdsImage(groupId, latest.index())) {
        throw new IllegalStateException(
            "group "
                + groupId
                + ": the state machine has applied through index "
                + held
                + ", behind the log's snapshot at "
                + latest.index()
                + ", and holds no image received for it: the state machine lost applied state");
      }
      // A received image whose restore a crash lost, or a founding member's initial state.
      stateMachine.restore(groupId, latest);
      return config;
    }
    if (holdsState(latest)) {
      stateMachine.restore(groupId, latest);
    }
    return config;
  }

  /** Whether a snapshot holds more than a founding member's empty initial state. */
  static boolean holdsState(Snapshot s) {
    return s.index() > 1 || s.data().length > 0;
  }
}
