package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TickLagTest {
  private long now = 1_000;

  /**
   * Ticks of 40 ns in 4 slices of 10 from 1,000: slice j (slot j mod 4) falls due at 1,010 + 10j.
   */
  private final TickLag lag = new TickLag(new TickClock(() -> now, 40), 4);

  @Test
  void slicesFallDueByTheClockWhoeverTicks() {
    now = 1_009;
    assertEquals(0, lag.dueSlices());
    now = 1_010;
    assertEquals(1, lag.dueSlices());
    now = 1_055;
    assertEquals(5, lag.dueSlices());
    lag.delivered();
    lag.delivered();
    assertEquals(3, lag.dueSlices());
  }

  @Test
  void eachOverdueSliceCountsForTheGroupsOfItsSlotOnly() {
    now = 1_010; // slice 0 is due
    assertEquals(1, lag.overdueTicks(0));
    assertEquals(0, lag.overdueTicks(1));
    now = 1_050; // slices 0-4 are due: slot 0 twice
    assertEquals(2, lag.overdueTicks(0));
    assertEquals(1, lag.overdueTicks(1));
    assertEquals(1, lag.overdueTicks(3));
  }

  @Test
  void deliveredSlicesAreNoLongerOverdueAndTheNextSlotComesFirst() {
    now = 1_050;
    lag.delivered(); // slice 0
    assertEquals(1, lag.overdueTicks(0)); // slice 4 only
    lag.delivered(); // slice 1
    lag.delivered(); // slice 2
    assertEquals(0, lag.overdueTicks(2)); // its next, slice 6, falls due at 1,070
    assertEquals(1, lag.overdueTicks(3)); // slice 3, due at 1,040
    now = 1_001_000; // a long pause: slices 3 to 99,999 overdue, 24,999 of them slot 0
    assertEquals(24_999, lag.overdueTicks(0));
  }
}
