package io.rangedb.raft;

/** Kinds of messages replicas exchange. Local actions (tick, propose, ...) are methods instead. */
public enum MessageType {
  PRE_VOTE,
  PRE_VOTE_RESP,
  VOTE,
  VOTE_RESP,
  /** Log entries (possibly none) after {@code index}/{@code logTerm}, plus the leader's commit. */
  APP,
  /** Ack or reject of APP or SNAP; {@code index} is the last index the sender now has durably. */
  APP_RESP,
  /** Keeps followers quiet and carries commit; {@code index} carries the leader's tick (lease). */
  HEARTBEAT,
  HEARTBEAT_RESP,
  SNAP,
  /** Tells the transfer target to campaign now, skipping pre-vote and the followers' lease. */
  TIMEOUT_NOW,
  /** A proposal forwarded by a follower to its leader. */
  PROP,
  /** A read-index request forwarded by a follower to its leader. */
  READ_INDEX,
  READ_INDEX_RESP,
  /** A leadership transfer request forwarded by a follower to its leader. */
  TRANSFER_LEADER;

  /**
   * Whether a message of this type promises nothing about the sender's durable state, so it may
   * leave before the Ready's persistence. A leader's entries count for itself only once durable, so
   * its replication traffic may go early; votes and acknowledgements must wait.
   */
  boolean mayPrecedePersistence() {
    return switch (this) {
      case APP, HEARTBEAT, SNAP, TIMEOUT_NOW, READ_INDEX_RESP, PROP, READ_INDEX, TRANSFER_LEADER ->
          true;
      default -> false;
    };
  }
}
