package io.rangedb.workload.tpcc;

/**
 * What a terminal knows about itself and the database: its home warehouse and district (the spec
 * fixes both per terminal) and how many warehouses exist, for picking remote ones.
 */
record TerminalContext(int homeWarehouse, int homeDistrict, int warehouses) {

  /** A warehouse other than the home one; the home one when it is the only warehouse. */
  int remoteWarehouse(TpccRandom r) {
    if (warehouses == 1) {
      return homeWarehouse;
    }
    int w = r.uniform(1, warehouses - 1);
    return w >= homeWarehouse ? w + 1 : w;
  }
}
