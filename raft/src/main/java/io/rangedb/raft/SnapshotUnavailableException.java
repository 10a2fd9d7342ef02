package io.rangedb.raft;

/** The state machine is still producing a snapshot; the leader will try again later. */
public final class SnapshotUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SnapshotUnavailableException() {
    super("snapshot temporarily unavailable", null, false, false);
  }
}
