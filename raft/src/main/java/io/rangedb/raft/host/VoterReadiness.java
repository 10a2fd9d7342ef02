package io.rangedb.raft.host;

import io.rangedb.raft.ConfChange;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.ProgressState;
import io.rangedb.raft.ProposalDroppedException;
import io.rangedb.raft.Status;

/**
 * Refuses a membership change that would make a voter of a replica that has not caught up with the
 * leader. A voter counts in quorums at once: one whose node has no replica of the group (never
 * opened there, or still being removed), or one still waiting for its snapshot, makes the group
 * wait for it, and two of them can leave it no quorum at all (the host simulation once drove a
 * group into a joint configuration whose incoming half had one replica of three, seed 24009485, and
 * it never elected again). So a new voter must be a learner first, and one the leader already
 * replicates to as entries come (its progress in the replicate state: it has acknowledged the
 * leader's log).
 */
final class VoterReadiness {
  private VoterReadiness() {}

  /**
   * Throws {@link ProposalDroppedException} ({@code VOTER_NOT_READY}) unless every node that {@code
   * change} makes a voter already is one or is a learner that has caught up.
   *
   * @param leader the status of the group's leader, which knows its members' progress
   */
  static void check(long groupId, Status leader, ConfChange change) {
    ConfState conf = leader.conf();
    for (ConfChange.Change c : change.changes()) {
      long node = c.node();
      if (c.type() != ConfChange.ChangeType.ADD_VOTER
          || conf.voters().contains(node)
          || conf.votersOutgoing().contains(node)) {
        continue;
      }
      if (!conf.learners().contains(node)) {
        throw notReady(
            leader,
            "node "
                + node
                + " is not a learner of group "
                + groupId
                + ": add it as one first, and make it a voter once it has caught up");
      }
      Status.Member m = leader.progress().get(node);
      if (m == null || m.state() != ProgressState.REPLICATE) {
        throw notReady(
            leader,
            "learner "
                + node
                + " of group "
                + groupId
                + " has not caught up with the leader ("
                + (m == null ? "no progress" : m.state() + ", match " + m.match())
                + " of "
                + leader.lastIndex()
                + "): retry once it has");
      }
    }
  }

  private static ProposalDroppedException notReady(Status leader, String detail) {
    return new ProposalDroppedException(
        ProposalDroppedException.Reason.VOTER_NOT_READY, leader.id(), detail);
  }
}
