package io.rangedb.workload.tpcc;

/** The fixed cardinalities of TPC-C (clause 1.2.1 and 4.3.3.1); only the warehouse count scales. */
public final class TpccScale {
  public static final int ITEMS = 100_000;
  public static final int DISTRICTS_PER_WAREHOUSE = 10;
  public static final int CUSTOMERS_PER_DISTRICT = 3_000;
  public static final int ORDERS_PER_DISTRICT = 3_000;

  /** Orders 2101..3000 of each district start undelivered, in NEW_ORDER. */
  public static final int FIRST_UNDELIVERED_ORDER = 2_101;

  /** An item id that never exists: New-Order uses it to force its 1% rollbacks. */
  public static final int UNUSED_ITEM_ID = ITEMS + 1;

  /**
   * With keying and think times, one warehouse's ten terminals cannot exceed this many
   * New-Orders/min.
   */
  public static final double MAX_TPMC_PER_WAREHOUSE = 12.86;

  private TpccScale() {}
}
