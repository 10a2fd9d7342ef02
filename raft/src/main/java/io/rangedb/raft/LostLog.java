package io.rangedb.raft;

/**
 * Where a log that this node's replica once held ended, before the replica was removed and its log
 * destroyed ({@link LogStorage#lostLog()}). Replica ids are node ids, so a candidate that has not
 * applied the removal counts a vote from a replica opened here again as the old replica's, and the
 * old one had acknowledged entries up to here: the new replica therefore votes only for candidates
 * whose log is at least as up to date as this, as the old replica would have, whatever log it has
 * received since (an old snapshot may be far behind).
 *
 * @param index the last index of the lost log
 * @param term the term of that entry
 */
public record LostLog(long index, long term) {
  /** Nothing lost: the replica never held a log here before. */
  public static final LostLog NONE = new LostLog(0, 0);

  /** Whether a candidate whose log ends at ({@code lastIndex}, {@code lastTerm}) is behind it. */
  public boolean isAhead(long lastIndex, long lastTerm) {
    return lastTerm < term || (lastTerm == term && lastIndex < index);
  }

  /** The later of the two. */
  public LostLog max(LostLog other) {
    return isAhead(other.index, other.term) ? this : other;
  }
}
