package io.rangedb.txn.hlc;

/**
 * A hybrid-logical-clock timestamp: physical nanoseconds since the Unix epoch and a logical counter
 * that orders events inside one physical nanosecond. Ordered by wall time, then logical.
 */
public record Timestamp(long wallNanos, int logical) implements Comparable<Timestamp> {

  /** Sorts before every real timestamp. */
  public static final Timestamp ZERO = new Timestamp(0, 0);

  /** Sorts after every real timestamp. */
  public static final Timestamp MAX = new Timestamp(Long.MAX_VALUE, Integer.MAX_VALUE);

  public Timestamp {
    if (wallNanos < 0 || logical < 0) {
      throw new IllegalArgumentException(
          "timestamp parts must not be negative: " + wallNanos + "," + logical);
    }
  }

  public static Timestamp ofWall(long wallNanos) {
    return new Timestamp(wallNanos, 0);
  }

  @Override
  public int compareTo(Timestamp other) {
    int c = Long.compare(wallNanos, other.wallNanos);
    return c != 0 ? c : Integer.compare(logical, other.logical);
  }

  public boolean isZero() {
    return wallNanos == 0 && logical == 0;
  }

  public boolean lessThan(Timestamp other) {
    return compareTo(other) < 0;
  }

  public boolean lessOrEqual(Timestamp other) {
    return compareTo(other) <= 0;
  }

  /** The smallest timestamp strictly greater than this one. */
  public Timestamp next() {
    if (logical == Integer.MAX_VALUE) {
      return new Timestamp(Math.addExact(wallNanos, 1), 0);
    }
    return new Timestamp(wallNanos, logical + 1);
  }

  /** The largest timestamp strictly smaller than this one. */
  public Timestamp prev() {
    if (logical > 0) {
      return new Timestamp(wallNanos, logical - 1);
    }
    if (wallNanos == 0) {
      throw new IllegalStateException("no timestamp precedes zero");
    }
    return new Timestamp(wallNanos - 1, Integer.MAX_VALUE);
  }

  public Timestamp plusNanos(long nanos) {
    return new Timestamp(Math.addExact(wallNanos, nanos), 0);
  }

  public static Timestamp max(Timestamp a, Timestamp b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  @Override
  public String toString() {
    return wallNanos + "," + logical;
  }
}
