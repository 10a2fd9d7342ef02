package io.rangedb.raft.host;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The callers waiting for a host to hand off the leadership of its groups ({@link
 * RaftHost#drainLeadership}), and until when they wait. Loop-confined.
 */
final class LeadershipDrain {
  private final List<CompletableFuture<Integer>> waiting = new ArrayList<>();
  private long until;

  /** Adds a waiter; the drain now lasts until tick {@code deadline}. */
  void begin(CompletableFuture<Integer> waiter, long deadline) {
    waiting.add(waiter);
    until = deadline;
  }

  boolean active() {
    return !waiting.isEmpty();
  }

  /**
   * Completes every waiter with {@code stillLed}, the groups this node still leads, once that is
   * none or tick {@code now} reached the deadline.
   */
  void finishIfDone(int stillLed, long now) {
    if (waiting.isEmpty() || (stillLed > 0 && now < until)) {
      return;
    }
    List<CompletableFuture<Integer>> done = new ArrayList<>(waiting);
    waiting.clear();
    done.forEach(f -> f.complete(stillLed));
  }

  /** The host stopped: every waiter fails with {@code failure}. */
  void failAll(Throwable failure) {
    List<CompletableFuture<Integer>> failed = new ArrayList<>(waiting);
    waiting.clear();
    failed.forEach(f -> f.completeExceptionally(failure));
  }
}
