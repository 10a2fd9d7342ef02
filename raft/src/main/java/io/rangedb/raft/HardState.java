package io.rangedb.raft;

/**
 * What a replica must have durable before it speaks: its term, whom it voted for in that term (0 =
 * nobody), and the highest index it knows to be committed.
 */
public record HardState(long term, long vote, long commit) {
  public static final HardState EMPTY = new HardState(0, 0, 0);

  public boolean isEmpty() {
    return equals(EMPTY);
  }
}
