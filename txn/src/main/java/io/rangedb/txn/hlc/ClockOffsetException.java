package io.rangedb.txn.hlc;

/**
 * A remote clock reading is further ahead of ours than the maximum clock offset allows. Accepting
 * it would let the remote node's skew break the uncertainty bound every read relies on.
 */
public final class ClockOffsetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final long offsetNanos;
  private final long maxOffsetNanos;

  public ClockOffsetException(Timestamp remote, long physicalNow, long maxOffsetNanos) {
    super(
        "remote clock reading "
            + remote
            + " is "
            + (remote.wallNanos() - physicalNow) / 1_000_000
            + " ms ahead of the local clock; the maximum clock offset is "
            + maxOffsetNanos / 1_000_000
            + " ms");
    this.offsetNanos = remote.wallNanos() - physicalNow;
    this.maxOffsetNanos = maxOffsetNanos;
  }

  public long offsetNanos() {
    return offsetNanos;
  }

  public long maxOffsetNanos() {
    return maxOffsetNanos;
  }
}
