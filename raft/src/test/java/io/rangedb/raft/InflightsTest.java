package io.rangedb.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InflightsTest {

  @Test
  void theWindowHoldsItsFullCapacityAcrossGrowthAndWrapAround() {
    Inflights w = new Inflights(10);
    // Move the ring's start so that growing has to unwrap it.
    for (long i = 1; i <= 3; i++) {
      w.add(i);
    }
    w.freeLE(2);
    for (long i = 4; i <= 12; i++) {
      w.add(i);
    }
    assertTrue(w.full());
    assertEquals(10, w.count());
    assertThrows(IllegalStateException.class, () -> w.add(13));

    // Freed in index order: each free releases exactly the messages up to the index.
    w.freeLE(3);
    assertEquals(9, w.count());
    assertFalse(w.full());
    w.freeLE(8);
    assertEquals(4, w.count());
    w.add(13);
    w.freeLE(12);
    assertEquals(1, w.count());
    w.freeLE(13);
    assertEquals(0, w.count());
  }

  @Test
  void resetEmptiesTheWindow() {
    Inflights w = new Inflights(3);
    w.add(5);
    w.add(6);
    w.add(7);
    w.reset();
    assertEquals(0, w.count());
    w.add(8);
    w.freeLE(7);
    assertEquals(1, w.count(), "an entry from before the reset must not linger");
  }

  @Test
  void aWindowOfNothingIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Inflights(0));
  }
}
