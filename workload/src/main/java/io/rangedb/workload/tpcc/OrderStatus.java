package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.Dialect;
import io.rangedb.workload.common.TransactionRunner.RollbackRequested;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The Order-Status transaction (clause 2.6): read a customer's latest order and its lines. */
final class OrderStatus {

  record Input(int warehouse, int district, CustomerSelector.Key customer) {}

  private OrderStatus() {}

  static Input generate(TpccRandom r, TerminalContext t) {
    return new Input(
        t.homeWarehouse(),
        r.uniform(1, TpccScale.DISTRICTS_PER_WAREHOUSE),
        CustomerSelector.Key.random(r));
  }

  /** Returns the number of order lines shown. */
  static int execute(StatementCache s, Dialect dialect, Input in)
      throws SQLException, RollbackRequested {
    int c = CustomerSelector.resolve(s, in.warehouse(), in.district(), in.customer());
    if (c < 0) {
      throw new RollbackRequested("no customer named " + in.customer().lastName());
    }
    try (ResultSet rs =
        s.bind(
                "SELECT c_balance, c_first, c_middle, c_last FROM customer"
                    + " WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?",
                in.warehouse(),
                in.district(),
                c)
            .executeQuery()) {
      rs.next();
    }
    int orderId;
    try (ResultSet rs =
        s.bind(
                "SELECT o_id, o_carrier_id, o_entry_d FROM orders"
                    + " WHERE o_w_id = ? AND o_d_id = ? AND o_c_id = ? ORDER BY o_id DESC"
                    + dialect.limit(1),
                in.warehouse(),
                in.district(),
                c)
            .executeQuery()) {
      if (!rs.next()) {
        return 0; // every loaded customer has an order; nothing to show otherwise
      }
      orderId = rs.getInt(1);
    }
    int lines = 0;
    try (ResultSet rs =
        s.bind(
                "SELECT ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_delivery_d"
                    + " FROM order_line WHERE ol_w_id = ? AND ol_d_id = ? AND ol_o_id = ?",
                in.warehouse(),
                in.district(),
                orderId)
            .executeQuery()) {
      while (rs.next()) {
        lines++;
      }
    }
    return lines;
  }
}
