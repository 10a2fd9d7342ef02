package io.rangedb.txn.hlc;

import java.time.Duration;

/**
 * A hybrid logical clock (Kulkarni et al.): timestamps close to physical time that never go
 * backwards, and that move past every timestamp received from another node, so causally related
 * events are ordered across nodes. Thread-safe.
 */
public final class HybridLogicalClock {

  /** DESIGN.md: the default bound on clock offset between any two nodes. */
  public static final Duration DEFAULT_MAX_OFFSET = Duration.ofMillis(500);

  private final PhysicalClock physical;
  private final long maxOffsetNanos;
  private long wallNanos;
  private int logical;

  public HybridLogicalClock(PhysicalClock physical, Duration maxOffset) {
    if (maxOffset.isNegative()) {
      throw new IllegalArgumentException("maximum clock offset must not be negative: " + maxOffset);
    }
    this.physical = physical;
    this.maxOffsetNanos = maxOffset.toNanos();
  }

  /** The bound on how far any node's clock may be from ours; 0 disables the check. */
  public Duration maxOffset() {
    return Duration.ofNanos(maxOffsetNanos);
  }

  /** A timestamp greater than every one this clock returned or received before. */
  public synchronized Timestamp now() {
    long pt = physical.nowNanos();
    if (pt > wallNanos) {
      wallNanos = pt;
      logical = 0;
    } else {
      tickLogical();
    }
    return new Timestamp(wallNanos, logical);
  }

  /** The current reading without advancing it. */
  public synchronized Timestamp peek() {
    return new Timestamp(wallNanos, logical);
  }

  /** The physical clock reading, for uncertainty limits and liveness. */
  public long physicalNanos() {
    return physical.nowNanos();
  }

  /**
   * Ratchets this clock past a timestamp received from another node.
   *
   * @throws ClockOffsetException if the remote reading is more than the maximum offset ahead of our
   *     physical clock; the clock is left unchanged then
   */
  public synchronized void update(Timestamp remote) {
    long pt = physical.nowNanos();
    if (maxOffsetNanos > 0 && remote.wallNanos() - pt > maxOffsetNanos) {
      throw new ClockOffsetException(remote, pt, maxOffsetNanos);
    }
    if (remote.wallNanos() > wallNanos) {
      wallNanos = remote.wallNanos();
      logical = remote.logical();
    } else if (remote.wallNanos() == wallNanos && remote.logical() > logical) {
      logical = remote.logical();
    }
  }

  private void tickLogical() {
    if (logical == Integer.MAX_VALUE) {
      wallNanos++;
      logical = 0;
    } else {
      logical++;
    }
  }
}
