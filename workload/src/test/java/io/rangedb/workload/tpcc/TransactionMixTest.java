package io.rangedb.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TransactionMixTest {

  @Test
  void everyHundredDrawsHoldTheSpecsShares() {
    TransactionMix mix = new TransactionMix(new SplittableRandom(1));
    Map<TransactionType, Integer> total = new EnumMap<>(TransactionType.class);
    for (int block = 0; block < 1000; block++) {
      Map<TransactionType, Integer> counts = new EnumMap<>(TransactionType.class);
      for (int i = 0; i < 100; i++) {
        counts.merge(mix.next(), 1, Integer::sum);
      }
      for (TransactionType t : TransactionType.values()) {
        assertEquals(t.percent(), counts.getOrDefault(t, 0), t + " in block " + block);
        total.merge(t, counts.get(t), Integer::sum);
      }
    }
    assertEquals(45_000, total.get(TransactionType.NEW_ORDER));
    assertEquals(43_000, total.get(TransactionType.PAYMENT));
    assertEquals(4_000, total.get(TransactionType.ORDER_STATUS));
    assertEquals(4_000, total.get(TransactionType.DELIVERY));
    assertEquals(4_000, total.get(TransactionType.STOCK_LEVEL));
  }

  @Test
  void theOrderIsShuffledAndDiffersBetweenDecks() {
    TransactionMix mix = new TransactionMix(new SplittableRandom(2));
    List<TransactionType> first = new ArrayList<>();
    List<TransactionType> second = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      first.add(mix.next());
    }
    for (int i = 0; i < 100; i++) {
      second.add(mix.next());
    }
    assertNotEquals(first, second);
    // Not sorted by type: some New-Order comes after some Payment.
    assertNotEquals(
        first.indexOf(TransactionType.PAYMENT) > first.lastIndexOf(TransactionType.NEW_ORDER),
        true);
  }

  @Test
  void theSharesAddUpToTheWholeMix() {
    int sum = 0;
    for (TransactionType t : TransactionType.values()) {
      sum += t.percent();
    }
    assertEquals(100, sum);
  }
}
