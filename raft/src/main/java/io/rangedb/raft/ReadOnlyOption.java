package io.rangedb.raft;

/** How the leader confirms it is still leader before answering a read index. */
public enum ReadOnlyOption {
  /** One heartbeat round acknowledged by a quorum per batch of reads. Needs no clock bound. */
  SAFE,
  /**
   * Answer from the leader's lease when a quorum acknowledged a heartbeat recently enough; falls
   * back to SAFE otherwise. Correct only if clocks drift by less than {@link
   * RaftConfig#maxClockDriftTicks} and check-quorum is on.
   */
  LEASE_BASED
}
