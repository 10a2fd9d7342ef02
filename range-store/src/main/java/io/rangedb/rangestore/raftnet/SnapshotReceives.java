package io.rangedb.rangestore.raftnet;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the snapshot streams a node takes at once, from all peers together. Senders already run a
 * few at a time each, but a node that many peers catch up at once would otherwise write all their
 * images to its disk together; a stream past the bound is refused before anything is written, and
 * its leader sends again later.
 */
final class SnapshotReceives {
  private final int max;
  private final AtomicInteger taking = new AtomicInteger();

  SnapshotReceives(int max) {
    if (max <= 0) {
      throw new IllegalArgumentException("max must be positive");
    }
    this.max = max;
  }

  /** Takes a place for one stream; false, taking none, when all are in use. */
  boolean tryStart() {
    while (true) {
      int n = taking.get();
      if (n >= max) {
        return false;
      }
      if (taking.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** A stream that {@link #tryStart} let in has ended, however it ended. */
  void ended() {
    taking.decrementAndGet();
  }

  int taking() {
    return taking.get();
  }

  int max() {
    return max;
  }
}
