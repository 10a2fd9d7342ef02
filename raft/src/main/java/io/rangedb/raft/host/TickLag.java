package io.rangedb.raft.host;

/**
 * A host's tick slices as its {@link TickClock} schedules them: slice k falls due k + 1 slice
 * lengths after the host was made, whoever calls {@link RaftHost#tick()} and whenever. The host
 * delivers every slice due before each cycle, so its groups' ticks follow real time even when its
 * ticker was late, paused with the process, restarted or stopped; and while a cycle runs (a pause
 * can come in the middle of one), the slices due but not yet delivered are counted as passed by
 * leases and by followers' promises. Loop-confined.
 */
final class TickLag {
  private final TickClock clock;
  private final int slices;
  private final long sliceNanos;
  private final long origin;

  /** Slices delivered so far; the next is slice number {@code delivered}. */
  private long delivered;

  TickLag(TickClock clock, int slices) {
    this.clock = clock;
    this.slices = slices;
    this.sliceNanos = Math.max(1, clock.tickNanos() / slices);
    this.origin = clock.nanos().getAsLong();
  }

  /** Slices due by now that have not been delivered. */
  long dueSlices() {
    long due = (clock.nanos().getAsLong() - origin) / sliceNanos;
    return Math.max(0, due - delivered);
  }

  /** The next slice is being delivered. */
  void delivered() {
    delivered++;
  }

  /**
   * Ticks of the groups in tick slice {@code slot} that are due by now and not yet delivered: of
   * the slices due and not delivered, those that are the slot's.
   */
  long overdueTicks(int slot) {
    long overdueSlices = dueSlices();
    long first = Math.floorMod(slot - delivered, slices); // slices until the slot's next turn
    return overdueSlices > first ? 1 + (overdueSlices - 1 - first) / slices : 0;
  }
}
