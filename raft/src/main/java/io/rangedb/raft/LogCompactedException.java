package io.rangedb.raft;

/** The requested index was compacted into a snapshot; a lagging follower needs the snapshot. */
public final class LogCompactedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LogCompactedException(long index, long firstIndex) {
    super("index " + index + " compacted, first index is " + firstIndex, null, false, false);
  }
}
