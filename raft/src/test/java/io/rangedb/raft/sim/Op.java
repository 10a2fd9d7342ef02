package io.rangedb.raft.sim;

/** One client operation on a register, as the history records it. */
final class Op {
  enum Kind {
    READ,
    WRITE
  }

  enum Status {
    PENDING,
    OK,
    /** Definitely did not take effect (refused up front, or a read that got no answer). */
    FAILED,
    /** Outcome unknown to the client (timeout, crash): it may or may not have taken effect. */
    UNKNOWN
  }

  final long id;
  final int client;
  final Kind kind;
  final String key;
  final String value; // written value, or the value a read returned (null = absent)
  final long invokedAt;
  long completedAt = Long.MAX_VALUE;
  Status status = Status.PENDING;
  String readValue;

  /** For an OK read, the applied index of the replica that served it. */
  long readPosition;

  Op(long id, int client, Kind kind, String key, String value, long invokedAt) {
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
