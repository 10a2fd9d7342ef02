package io.rangedb.rangestore.raftnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SnapshotPacerTest {

  @Test
  void aQuietPacerLetsItsBurstGoThenGrantsWaitingRequestsInOrderAsCreditComes() {
    SnapshotPacer pacer = new SnapshotPacer(100, 1, 300);
    List<String> granted = new ArrayList<>();
    assertTrue(pacer.tryTake(200, () -> granted.add("never")), "credit 300");
    assertTrue(pacer.tryTake(200, () -> granted.add("never")), "credit 100: a chunk still goes");
    assertFalse(pacer.tryTake(50, () -> granted.add("first")), "credit -100: it waits");
    assertFalse(pacer.tryTake(50, () -> granted.add("second")));
    assertEquals(2, pacer.waiting());

    pacer.refill(); // back to 0: still no credit
    assertEquals(List.of(), granted);
    pacer.refill(); // 100: both fit, in order
    assertEquals(List.of("first", "second"), granted);
    assertEquals(0, pacer.waiting());
    assertEquals(500, pacer.bytesTaken());
    assertEquals(2, pacer.waits());
  }

  @Test
  void aRequestArrivingBehindWaitingOnesWaitsEvenWhenCreditIsBack() {
    SnapshotPacer pacer = new SnapshotPacer(10, 1, 10);
    List<String> granted = new ArrayList<>();
    assertTrue(pacer.tryTake(1_000, () -> {}));
    assertFalse(pacer.tryTake(1, () -> granted.add("early")));
    for (int i = 0; i < 99; i++) {
      pacer.refill(); // credit climbs back to 0 without granting
    }
    assertEquals(List.of(), granted);
    pacer.refill();
    assertEquals(List.of("early"), granted);
    assertTrue(pacer.tryTake(1, () -> {}), "nobody waits and credit is left: goes at once");
  }

  /**
   * The pace over any stretch: with senders always waiting, what the pacer lets go after n refills
   * is its burst plus n refills' worth, give or take one request (the one that took the bucket into
   * debt).
   */
  @Test
  void underSteadyDemandTheBytesLetGoFollowTheRefillsWithinOneRequest() {
    long seed = 20261203;
    SplittableRandom random = new SplittableRandom(seed);
    long perRefill = 1_000;
    long burst = 5_000;
    int largest = 4_000;
    SnapshotPacer pacer = new SnapshotPacer(perRefill, 1, burst);
    // Eight senders, each asking again as soon as its last request was granted.
    Runnable[] senders = new Runnable[8];
    for (int s = 0; s < senders.length; s++) {
      int me = s;
      senders[s] =
          () -> {
            while (pacer.tryTake(1 + random.nextInt(largest), senders[me])) {
              // granted at once: ask for the next chunk
            }
          };
    }
    for (Runnable sender : senders) {
      sender.run();
    }
    for (int n = 1; n <= 1_000; n++) {
      pacer.refill();
      long letGo = pacer.bytesTaken();
      assertTrue(
          letGo >= burst + n * perRefill && letGo < burst + n * perRefill + largest,
          "after " + n + " refills " + letGo + " bytes went (seed " + seed + ")");
    }
    assertEquals(8, pacer.waiting(), "every sender waits for credit again");
  }

  @Test
  void closingGrantsEveryWaitingRequestAndLetsLaterOnesGoAtOnce() {
    SnapshotPacer pacer = new SnapshotPacer(1, 1, 1);
    List<String> granted = new ArrayList<>();
    assertTrue(pacer.tryTake(100, () -> {}));
    assertFalse(pacer.tryTake(1, () -> granted.add("a")));
    assertFalse(pacer.tryTake(1, () -> granted.add("b")));
    pacer.close();
    assertEquals(List.of("a", "b"), granted);
    assertTrue(pacer.tryTake(1_000_000, () -> granted.add("never")));
    assertEquals(0, pacer.waiting());
  }

  /** A rate that is not a multiple of the refills still comes out exact, however slow. */
  @Test
  void refillsCarryTheRemainderSoThatSlowAndUnevenRatesComeOutExact() {
    SnapshotPacer uneven = new SnapshotPacer(150, 100, 10);
    assertTrue(uneven.tryTake(10, () -> {}), "the burst");
    // A sender of one byte at a time, always asking: it takes every byte of credit as it comes.
    Runnable[] ask = new Runnable[1];
    ask[0] =
        () -> {
          while (uneven.tryTake(1, ask[0])) {
            // granted at once: ask for the next byte
          }
        };
    ask[0].run();
    for (int i = 0; i < 1_000; i++) {
      uneven.refill();
    }
    assertEquals(10 + 1_500, uneven.bytesTaken(), "the burst, then 150 bytes a second for 10 s");

    SnapshotPacer slow = new SnapshotPacer(1, 100, 1);
    assertTrue(slow.tryTake(1, () -> {}));
    List<String> granted = new ArrayList<>();
    assertFalse(slow.tryTake(1, () -> granted.add("after a second")));
    for (int i = 0; i < 99; i++) {
      slow.refill();
    }
    assertEquals(List.of(), granted, "99 refills: less than a byte");
    slow.refill();
    assertEquals(List.of("after a second"), granted);
  }

  @Test
  void aCancelledRequestTakesNoCreditAndThoseBehindItMoveUp() {
    SnapshotPacer pacer = new SnapshotPacer(100, 1, 100);
    List<String> granted = new ArrayList<>();
    assertTrue(pacer.tryTake(100, () -> {}));
    Runnable ended = () -> granted.add("ended");
    assertFalse(pacer.tryTake(1_000, ended));
    assertFalse(pacer.tryTake(50, () -> granted.add("next")));
    pacer.cancel(ended);
    pacer.refill();
    assertEquals(List.of("next"), granted);
    assertEquals(150, pacer.bytesTaken());
  }

  @Test
  void aGrantThatThrowsDoesNotStopTheOthersNorLaterRefills() {
    SnapshotPacer pacer = new SnapshotPacer(100, 1, 100);
    List<String> granted = new ArrayList<>();
    assertTrue(pacer.tryTake(100, () -> {}));
    assertFalse(
        pacer.tryTake(
            1,
            () -> {
              throw new IllegalStateException("the image could not be read");
            }));
    assertFalse(pacer.tryTake(1, () -> granted.add("second")));
    pacer.refill();
    assertEquals(List.of("second"), granted);
    assertTrue(pacer.tryTake(500, () -> {}), "credit 98 is left: into debt by 402");
    assertFalse(pacer.tryTake(1, () -> granted.add("third")));
    for (int i = 0; i < 5; i++) {
      pacer.refill();
    }
    assertEquals(List.of("second", "third"), granted, "later refills go on granting");
  }

  @Test
  void aRateRefillsOrBurstThatIsNotPositiveOrARateBeyondTheBoundIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new SnapshotPacer(0, 1, 10));
    assertThrows(IllegalArgumentException.class, () -> new SnapshotPacer(10, 0, 10));
    assertThrows(IllegalArgumentException.class, () -> new SnapshotPacer(10, 1, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SnapshotPacer(SnapshotPacer.MAX_BYTES_PER_SECOND + 1, 1, 10));
  }
}
