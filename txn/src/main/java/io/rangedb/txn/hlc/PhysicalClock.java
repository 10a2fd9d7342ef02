package io.rangedb.txn.hlc;

/**
 * The source of physical time an {@link HybridLogicalClock} reads; injected so tests control it.
 */
@FunctionalInterface
public interface PhysicalClock {
  /** Nanoseconds since the Unix epoch. Need not be monotonic: the HLC never goes backwards. */
  long nowNanos();
}
