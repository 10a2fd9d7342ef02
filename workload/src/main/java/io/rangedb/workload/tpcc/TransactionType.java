package io.rangedb.workload.tpcc;

/**
 * The five TPC-C transactions with their share of the mix (clause 5.2.3) and the keying and mean
 * think times of their terminal screens (clause 5.2.5.7), in seconds.
 */
public enum TransactionType {
  NEW_ORDER("new-order", 45, 18, 12),
  PAYMENT("payment", 43, 3, 12),
  ORDER_STATUS("order-status", 4, 2, 10),
  DELIVERY("delivery", 4, 2, 5),
  STOCK_LEVEL("stock-level", 4, 2, 5);

  private final String label;
  private final int percent;
  private final int keyingSeconds;
  private final int meanThinkSeconds;

  TransactionType(String label, int percent, int keyingSeconds, int meanThinkSeconds) {
    this.label = label;
    this.percent = percent;
    this.keyingSeconds = keyingSeconds;
    this.meanThinkSeconds = meanThinkSeconds;
  }

  public String label() {
    return label;
  }

  public int percent() {
    return percent;
  }

  public int keyingSeconds() {
    return keyingSeconds;
  }

  public int meanThinkSeconds() {
    return meanThinkSeconds;
  }
}
