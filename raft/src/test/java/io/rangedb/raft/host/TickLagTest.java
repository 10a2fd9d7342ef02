package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TickLagTest {
  private long now;

  /** Ticks of 40 ns in 4 slices of 10: slice j ticks the groups of slot j mod 4. */
  private final TickLag lag = new TickLag(new TickClock(() -> now, 40), 4);

  @Test
  void nothingIsOverdueUntilTheNextSliceFallsDue() {
    now = 9;
    for (int slot = 0; slot < 4; slot++) {
      assertEquals(0, lag.overdueTicks(slot));
    }
  }

  @Test
  void eachOverdueSliceCountsForTheGroupsOfItsSlotOnly() {
    now = 10; // slice 0 is due
    assertEquals(1, lag.overdueTicks(0));
    assertEquals(0, lag.overdueTicks(1));
    now = 50; // slices 0-4 are due: slot 0 twice
    assertEquals(2, lag.overdueTicks(0));
    assertEquals(1, lag.overdueTicks(1));
    assertEquals(1, lag.overdueTicks(3));
  }

  @Test
  void deliveredSlicesAreNoLongerOverdueAndTheNextSlotComesFirst() {
    now = 50;
    lag.delivered(10); // slice 0
    assertEquals(1, lag.overdueTicks(0)); // slice 4 only
    lag.delivered(20); // slice 1
    lag.delivered(30); // slice 2
    assertEquals(0, lag.overdueTicks(2)); // slice 6 is due at 70
    assertEquals(1, lag.overdueTicks(3)); // slice 3, due at 40
    now = 1_000_030; // a long pause: 100,000 slices, 25,000 whole ticks
    assertEquals(25_000, lag.overdueTicks(0));
  }

  @Test
  void aDueTimeOlderThanTheLastDoesNotMoveTheClockBack() {
    lag.delivered(30);
    lag.delivered(20);
    now = 39;
    assertEquals(0, lag.overdueTicks(0));
  }
}
