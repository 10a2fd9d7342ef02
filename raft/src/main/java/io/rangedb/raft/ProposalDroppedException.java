package io.rangedb.raft;

/**
 * A proposal (or read, or membership change) that cannot commit through this replica, reported at
 * once instead of letting the caller wait for a timeout. The proposal was not appended anywhere.
 */
public final class ProposalDroppedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why the proposal was dropped; callers typically retry elsewhere or later on some of them. */
  public enum Reason {
    /** No leader is known (election in progress, or partitioned). */
    NO_LEADER,
    /** This replica is a follower and forwarding is turned off: go to {@link #leaderHint()}. */
    NOT_LEADER,
    /** The leader is handing leadership over; proposals resume at the new leader. */
    LEADER_TRANSFERRING,
    /** A membership change is still in flight: one at a time. */
    CONF_CHANGE_PENDING,
    /** The membership change is not valid from the current configuration. */
    CONF_CHANGE_INVALID,
    /**
     * The membership change would make a voter of a node that is not a learner which has caught up
     * with the leader (a host's rule): add it as a learner, and retry once it has caught up.
     */
    VOTER_NOT_READY,
    /** A deposed leader's entry was overwritten by a newer leader (reported by hosts). */
    SUPERSEDED,
    /** A read got no answer: leadership changed under it, or the host's timeout passed. Retry. */
    READ_ABANDONED,
    /** Too many proposed bytes are not committed yet (followers lag): back off and retry. */
    BACKLOG,
    /** The command is larger than the host takes in one entry: split it; retrying cannot help. */
    TOO_LARGE
  }

  private final Reason reason;
  private final long leaderHint;

  public ProposalDroppedException(Reason reason, long leaderHint, String detail) {
    super(reason + (detail.isEmpty() ? "" : ": " + detail), null, false, false);
    this.reason = reason;
    this.leaderHint = leaderHint;
  }

  public Reason reason() {
    return reason;
  }

  /** The leader this replica knows of, or 0. */
  public long leaderHint() {
    return leaderHint;
  }
}
