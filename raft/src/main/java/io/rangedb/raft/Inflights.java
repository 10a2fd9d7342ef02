package io.rangedb.raft;

/**
 * The window of APP messages in flight to one follower, as the last index each one carried. A ring
 * buffer: the leader stops sending when it is full and frees up to an acknowledged index.
 */
final class Inflights {
  private final long[] ring;
  private int start;
  private int count;

  Inflights(int capacity) {
    this.ring = new long[capacity];
  }

  boolean full() {
    return count == ring.length;
  }

  int count() {
    return count;
  }

  void add(long lastIndex) {
    if (full()) {
      throw new IllegalStateException("inflight window overflow");
    }
    ring[(start + count) % ring.length] = lastIndex;
    count++;
  }

  /** Frees every message whose last index is at most {@code index}. */
  void freeLE(long index) {
    while (count > 0 && ring[start] <= index) {
      start = (start + 1) % ring.length;
      count--;
    }
  }

  void reset() {
    start = 0;
    count = 0;
  }
}
