package io.rangedb.txn.hlc;

import io.rangedb.txn.SuppressForbidden;
import java.time.Instant;

/** The real wall clock: the one place the cores may read it. */
@SuppressForbidden(reason = "this is the production seam for physical time")
public final class SystemPhysicalClock implements PhysicalClock {

  public static final SystemPhysicalClock INSTANCE = new SystemPhysicalClock();

  private SystemPhysicalClock() {}

  @Override
  public long nowNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
