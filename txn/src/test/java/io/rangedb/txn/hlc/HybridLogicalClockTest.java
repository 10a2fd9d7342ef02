package io.rangedb.txn.hlc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HybridLogicalClockTest {

  private final AtomicLong physical = new AtomicLong(1_000);
  private final HybridLogicalClock clock =
      new HybridLogicalClock(physical::get, Duration.ofNanos(500));

  @Test
  void followsPhysicalTimeWhenItAdvances() {
    assertEquals(new Timestamp(1_000, 0), clock.now());
    physical.set(2_000);
    assertEquals(new Timestamp(2_000, 0), clock.now());
  }

  @Test
  void neverGoesBackwardsWhenPhysicalTimeStallsOrJumpsBack() {
    Timestamp a = clock.now();
    Timestamp b = clock.now();
    physical.set(10);
    Timestamp c = clock.now();
    assertTrue(a.lessThan(b));
    assertTrue(b.lessThan(c));
    assertEquals(new Timestamp(1_000, 2), c);
  }

  @Test
  void ratchetsPastRemoteTimestampsWithinTheOffset() {
    clock.update(new Timestamp(1_400, 7));
    Timestamp next = clock.now();
    assertEquals(new Timestamp(1_400, 8), next);
    // an older remote reading changes nothing
    clock.update(new Timestamp(900, 99));
    assertEquals(new Timestamp(1_400, 9), clock.now());
  }

  @Test
  void rejectsRemoteClockFurtherAheadThanTheMaximumOffset() {
    Timestamp before = clock.now();
    ClockOffsetException e =
        assertThrows(ClockOffsetException.class, () -> clock.update(new Timestamp(1_501, 0)));
    assertEquals(501, e.offsetNanos());
    assertEquals(before, clock.peek());
  }

  @Test
  void logicalOverflowCarriesIntoWallTime() {
    clock.update(new Timestamp(1_000, Integer.MAX_VALUE));
    assertEquals(new Timestamp(1_001, 0), clock.now());
  }

  @Test
  void timestampsOrderByWallThenLogicalAndStepByOne() {
    Timestamp t = new Timestamp(5, Integer.MAX_VALUE);
    assertEquals(new Timestamp(6, 0), t.next());
    assertEquals(t, t.next().prev());
    assertTrue(new Timestamp(5, 1).compareTo(new Timestamp(5, 2)) < 0);
    assertTrue(new Timestamp(4, 9).compareTo(new Timestamp(5, 0)) < 0);
    assertThrows(IllegalArgumentException.class, () -> new Timestamp(-1, 0));
  }

  @Test
  void systemClockReadsRealTime() {
    long a = SystemPhysicalClock.INSTANCE.nowNanos();
    // 2020-01-01 in nanoseconds: any real clock today is past it.
    assertTrue(a > 1_577_836_800_000_000_000L, "wall clock reading " + a);
  }
}
