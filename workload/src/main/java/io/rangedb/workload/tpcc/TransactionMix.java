package io.rangedb.workload.tpcc;

import java.util.random.RandomGenerator;

/**
 * Picks the next transaction type with a shuffled deck of 100 cards, 45 New-Order, 43 Payment and 4
 * of each other type (clause 5.2.4.2 allows a deck). Unlike independent draws, every 100 picks hold
 * exactly the minimum shares the spec demands, so a short run never falls below them.
 */
public final class TransactionMix {
  private final RandomGenerator random;
  private final TransactionType[] deck;
  private int next;

  public TransactionMix(RandomGenerator random) {
    this.random = random;
    int size = 0;
    for (TransactionType t : TransactionType.values()) {
      size += t.percent();
    }
    deck = new TransactionType[size];
    int i = 0;
    for (TransactionType t : TransactionType.values()) {
      for (int k = 0; k < t.percent(); k++) {
        deck[i++] = t;
      }
    }
    next = deck.length;
  }

  public TransactionType next() {
    if (next == deck.length) {
      shuffle();
      next = 0;
    }
    return deck[next++];
  }

  private void shuffle() {
    for (int i = deck.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      TransactionType t = deck[i];
      deck[i] = deck[j];
      deck[j] = t;
    }
  }
}
