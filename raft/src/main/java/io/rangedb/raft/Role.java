package io.rangedb.raft;

/** The role of a replica in its current term. */
public enum Role {
  FOLLOWER,
  PRE_CANDIDATE,
  CANDIDATE,
  LEADER
}
