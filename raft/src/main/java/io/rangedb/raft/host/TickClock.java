package io.rangedb.raft.host;

import java.util.function.LongSupplier;

/**
 * The clock a host's ticks follow: a monotonic clock in nanoseconds and the length of a whole tick.
 * A host with one counts its ticks by it ({@link TickLag}), not by the calls of {@link
 * RaftHost#tick()}, which only wake it; lease-based reads need it, since a lease counted in the
 * calls of a ticker outlives the real one when the process pauses. The clock must go on counting
 * through a pause of the process ({@code System::nanoTime} does, for stop-the-world collections and
 * stopped processes; whether it does across a suspended machine depends on the platform).
 *
 * @param nanos the current time of a monotonic clock, in nanoseconds
 * @param tickNanos the length of one whole tick (of all its slices), in nanoseconds
 */
public record TickClock(LongSupplier nanos, long tickNanos) {
  public TickClock {
    java.util.Objects.requireNonNull(nanos, "nanos");
    if (tickNanos <= 0) {
      throw new IllegalArgumentException("a tick must last longer than 0 ns: " + tickNanos);
    }
  }
}
