package io.rangedb.raft;

/**
 * Settings of one replica. Times are in ticks; the host decides how long a tick is.
 *
 * @param id this replica's id, never 0 (0 means "nobody")
 * @param electionTicks a follower that hears no leader for a random time in [electionTicks,
 *     2*electionTicks) campaigns; also the length of a follower's promise not to vote (its lease)
 * @param heartbeatTicks interval between leader heartbeats, well below electionTicks
 * @param maxSizePerMsg bytes of entries per APP message (at least one entry is always sent)
 * @param maxInflightMsgs APP messages a leader keeps in flight to one follower (the window)
 * @param maxCommittedSizePerReady bytes of committed entries handed out per Ready
 * @param preVote campaign in two phases so a partitioned node cannot bump everybody's term
 * @param checkQuorum a leader steps down when a quorum was not heard from in an election timeout;
 *     followers also refuse to vote while they hear from a leader (required for lease reads)
 * @param readOnlyOption how read-index requests are confirmed
 * @param maxClockDriftTicks how much faster any follower's ticks may run than the leader's within
 *     one election timeout; the lease is shortened by this much
 * @param forwardProposals whether a follower forwards proposals to its leader, or refuses them
 * @param applied the index the host's state machine already contains on restart (0 = use the
 *     storage's snapshot index); the membership changes between the snapshot and it are taken from
 *     the log when the replica is built, since the host will not apply them again. Below the
 *     snapshot's index it is refused: restore the state machine from the snapshot first
 * @param maxUncommittedBytes bytes of proposed but not yet committed commands a leader accepts
 *     before refusing more (backpressure when followers lag; one proposal is always accepted)
 * @param deferCommitBroadcast whether a leader holds back the appends that would only tell
 *     followers a new commit index until {@link RawNode#flushCommit} (or {@link RawNode#quiesce},
 *     whose heartbeat carries it); a host that quiesces idle groups sets it so that a commit costs
 *     no extra round of messages. Followers learn the commit from the next heartbeat regardless.
 */
public record RaftConfig(
    long id,
    int electionTicks,
    int heartbeatTicks,
    long maxSizePerMsg,
    int maxInflightMsgs,
    long maxCommittedSizePerReady,
    boolean preVote,
    boolean checkQuorum,
    ReadOnlyOption readOnlyOption,
    int maxClockDriftTicks,
    boolean forwardProposals,
    long applied,
    long maxUncommittedBytes,
    boolean deferCommitBroadcast) {

  public RaftConfig {
    if (id == 0) {
      throw new IllegalArgumentException("id 0 means nobody");
    }
    if (heartbeatTicks <= 0 || electionTicks <= heartbeatTicks) {
      throw new IllegalArgumentException("need 0 < heartbeatTicks < electionTicks");
    }
    if (maxInflightMsgs <= 0
        || maxSizePerMsg <= 0
        || maxCommittedSizePerReady <= 0
        || maxUncommittedBytes <= 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
    if (readOnlyOption == ReadOnlyOption.LEASE_BASED && !checkQuorum) {
      throw new IllegalArgumentException("lease reads need checkQuorum");
    }
    if (maxClockDriftTicks < 0 || maxClockDriftTicks >= electionTicks) {
      throw new IllegalArgumentException("maxClockDriftTicks must be in [0, electionTicks)");
    }
  }

  /** Reasonable defaults: pre-vote and check-quorum on, SAFE reads, forwarding on. */
  public static RaftConfig defaults(long id) {
    return new RaftConfig(
        id,
        10,
        1,
        1 << 20,
        256,
        16 << 20,
        true,
        true,
        ReadOnlyOption.SAFE,
        2,
        true,
        0,
        64 << 20,
        false);
  }

  public RaftConfig withReadOnlyOption(ReadOnlyOption o) {
    return edit(b -> b.readOnlyOption = o);
  }

  public RaftConfig withPreVote(boolean v) {
    return edit(b -> b.preVote = v);
  }

  public RaftConfig withCheckQuorum(boolean v) {
    return edit(b -> b.checkQuorum = v);
  }

  public RaftConfig withForwardProposals(boolean v) {
    return edit(b -> b.forwardProposals = v);
  }

  public RaftConfig withLimits(long maxSizePerMsg, int maxInflightMsgs) {
    return edit(
        b -> {
          b.maxSizePerMsg = maxSizePerMsg;
          b.maxInflightMsgs = maxInflightMsgs;
        });
  }

  public RaftConfig withMaxUncommittedBytes(long v) {
    return edit(b -> b.maxUncommittedBytes = v);
  }

  public RaftConfig withApplied(long v) {
    return edit(b -> b.applied = v);
  }

  public RaftConfig withDeferCommitBroadcast(boolean v) {
    return edit(b -> b.deferCommitBroadcast = v);
  }

  /** A copy with some settings changed; the constructor validates the result. */
  private RaftConfig edit(java.util.function.Consumer<Settings> change) {
    Settings b = new Settings(this);
    change.accept(b);
    return b.build();
  }

  /** The settings as mutable fields, so each {@code with} method names only what it changes. */
  private static final class Settings {
    final long id;
    final int electionTicks;
    final int heartbeatTicks;
    long maxSizePerMsg;
    int maxInflightMsgs;
    final long maxCommittedSizePerReady;
    boolean preVote;
    boolean checkQuorum;
    ReadOnlyOption readOnlyOption;
    final int maxClockDriftTicks;
    boolean forwardProposals;
    long applied;
    long maxUncommittedBytes;
    boolean deferCommitBroadcast;

    Settings(RaftConfig c) {
      id = c.id;
      electionTicks = c.electionTicks;
      heartbeatTicks = c.heartbeatTicks;
      maxSizePerMsg = c.maxSizePerMsg;
      maxInflightMsgs = c.maxInflightMsgs;
      maxCommittedSizePerReady = c.maxCommittedSizePerReady;
      preVote = c.preVote;
      checkQuorum = c.checkQuorum;
      readOnlyOption = c.readOnlyOption;
      maxClockDriftTicks = c.maxClockDriftTicks;
      forwardProposals = c.forwardProposals;
      applied = c.applied;
      maxUncommittedBytes = c.maxUncommittedBytes;
      deferCommitBroadcast = c.deferCommitBroadcast;
    }

    RaftConfig build() {
      return new RaftConfig(
          id,
          electionTicks,
          heartbeatTicks,
          maxSizePerMsg,
          maxInflightMsgs,
          maxCommittedSizePerReady,
          preVote,
          checkQuorum,
          readOnlyOption,
          maxClockDriftTicks,
          forwardProposals,
          applied,
          maxUncommittedBytes,
          deferCommitBroadcast);
    }
  }
}
