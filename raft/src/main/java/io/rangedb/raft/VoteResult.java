package io.rangedb.raft;

/** The outcome of an election count so far. */
enum VoteResult {
  PENDING,
  WON,
  LOST
}
