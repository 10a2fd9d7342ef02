package io.rangedb.raft.host;

import java.util.function.LongSupplier;

/**
 * The clock a host's ticks fall due by: a monotonic clock in nanoseconds (the one its ticker
 * schedules by) and the length of a whole tick. With it a host knows, when it answers a read from a
 * leader lease, how many ticks are due that its groups have not been given (see {@link
 * RaftHost#tick(long)}); lease-based reads need it.
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
