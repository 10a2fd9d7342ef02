package io.rangedb.raft.sim;

/**
 * One client operation on a register, as the history records it (also by the host simulation, in
 * another package).
 */
public final class Op {
  public enum Kind {
    READ,
    WRITE
  }

  public enum Status {
    PENDING,
    OK,
    /** Definitely did not take effect (refused up front, or a read that got no answer). */
    FAILED,
    /** Outcome unknown to the client (timeout, crash): it may or may not have taken effect. */
    UNKNOWN
  }

  public final long id;
  public final int client;
  public final Kind kind;
  public final String key;
  public final String value; // written value, or the value a read returned (null = absent)
  public final long invokedAt;
  public long completedAt = Long.MAX_VALUE;
  public Status status = Status.PENDING;
  public String readValue;

  /** For an OK read, the applied index of the replica that served it. */
  public long readPosition;

  public Op(long id, int client, Kind kind, String key, String value, long invokedAt) {
    this.id = id;
    this.client = client;
    this.kind = kind;
    this.key = key;
    this.value = value;
    this.invokedAt = invokedAt;
  }

  @Override
  public String toString() {
    return "op"
        + id
        + "(c"
        + client
        + " "
        + kind
        + " "
        + key
        + (kind == Kind.WRITE ? "=" + value : "->" + readValue + "@" + readPosition)
        + " ["
        + invokedAt
        + ","
        + (completedAt == Long.MAX_VALUE ? "inf" : completedAt)
        + "] "
        + status
        + ")";
  }
}
