package io.rangedb.raft;

/**
 * The window of APP messages in flight to one follower, as the last index each one carried. A ring
 * buffer: the leader stops sending when it is full and frees up to an acknowledged index.
 *
 * <p>The ring starts small and doubles up to the window's capacity: a host keeps one window per
 * member of every group it leads or follows, and nearly all of them hold one or two messages, so a
 * full-size array each would be megabytes of zeros spread between the groups' live state.
 */
final class Inflights {
  private static final int INITIAL_RING = 4;

  private final int capacity;
  private long[] ring;
  private int start;
  private int count;

  Inflights(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.ring = new long[Math.min(capacity, INITIAL_RING)];
  }

  boolean full() {
    return count == capacity;
  }

  int count() {
    return count;
  }

  void add(long lastIndex) {
    if (full()) {
      throw new IllegalStateException("inflight window overflow");
    }
    if (count == ring.length) {
      grow();
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

  private void grow() {
    long[] bigger = new long[Math.min(capacity, ring.length * 2)];
    int firstPart = Math.min(count, ring.length - start);
    System.arraycopy(ring, start, bigger, 0, firstPart);
    System.arraycopy(ring, 0, bigger, firstPart, count - firstPart);
    ring = bigger;
    start = 0;
  }
}
