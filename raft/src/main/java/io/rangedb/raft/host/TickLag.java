package io.rangedb.raft.host;

/**
 * How far a host's ticks are behind its {@link TickClock}: slices of a tick are due at a fixed
 * rate, each delivered with the time it fell due; those due by now but not yet delivered (a paused
 * process whose ticker has not caught up, or whose catch-up ticks queue behind a read) are overdue,
 * and a group's lease must count its share of them as passed. Loop-confined.
 */
final class TickLag {
  private final TickClock clock;
  private final int slices;
  private final long sliceNanos;

  /** When the last slice delivered fell due; before the first, when the host was made. */
  private long lastDue;

  /** How many slices have been delivered; the next is slice number {@code delivered}. */
  private long delivered;

  TickLag(TickClock clock, int slices) {
    this.clock = clock;
    this.slices = slices;
    this.sliceNanos = Math.max(1, clock.tickNanos() / slices);
    this.lastDue = clock.nanos().getAsLong();
  }

  /** A slice is being delivered, which fell due at {@code dueNanos}. */
  void delivered(long dueNanos) {
    if (dueNanos > lastDue) {
      lastDue = dueNanos;
    }
    delivered++;
  }

  /**
   * Ticks of the groups in tick slice {@code slot} that are due by now and not yet delivered: of
   * the slices due since the last delivered one, those that are the slot's.
   */
  long overdueTicks(int slot) {
    long late = clock.nanos().getAsLong() - lastDue;
    if (late < sliceNanos) {
      return 0;
    }
    long overdueSlices = late / sliceNanos;
    long first = Math.floorMod(slot - delivered, slices); // slices until the slot's next turn
    return overdueSlices > first ? 1 + (overdueSlices - 1 - first) / slices : 0;
  }
}
