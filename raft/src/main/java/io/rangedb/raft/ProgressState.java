package io.rangedb.raft;

/** How the leader currently talks to one follower. */
public enum ProgressState {
  /** Unknown match: one APP per heartbeat interval until the follower's log position is found. */
  PROBE,
  /** Match known: stream APPs optimistically, bounded by the in-flight window. */
  REPLICATE,
  /** The follower needs a snapshot; send nothing else until it is reported applied or failed. */
  SNAPSHOT
}
