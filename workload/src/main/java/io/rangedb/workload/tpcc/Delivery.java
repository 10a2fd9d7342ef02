package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.Dialect;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;

/**
 * The Delivery transaction (clause 2.7): deliver the oldest undelivered order of each of the
 * warehouse's ten districts. The spec lets it run deferred, in up to ten database transactions; we
 * run it inline as one, which is the stricter choice and keeps the latency comparable across
 * systems.
 */
final class Delivery {

  record Input(int warehouse, int carrier) {}

  private Delivery() {}

  static Input generate(TpccRandom r, TerminalContext t) {
    return new Input(t.homeWarehouse(), r.uniform(1, 10));
  }

  /** Returns how many districts had an order to deliver (the others are "skipped", 2.7.4.2). */
  static int execute(StatementCache s, Dialect dialect, Input in, Timestamp now)
      throws SQLException {
    int w = in.warehouse();
    int delivered = 0;
    for (int d = 1; d <= TpccScale.DISTRICTS_PER_WAREHOUSE; d++) {
      int orderId;
      try (ResultSet rs =
          s.bind(
                  "SELECT no_o_id FROM new_order WHERE no_w_id = ? AND no_d_id = ?"
                      + " ORDER BY no_o_id"
                      + dialect.limit(1),
                  w,
                  d)
              .executeQuery()) {
        if (!rs.next()) {
          continue;
        }
        orderId = rs.getInt(1);
      }
      int deleted =
          s.bind(
                  "DELETE FROM new_order WHERE no_w_id = ? AND no_d_id = ? AND no_o_id = ?",
                  w,
                  d,
                  orderId)
              .executeUpdate();
      if (deleted == 0) {
        continue; // a concurrent Delivery took it first (possible below SERIALIZABLE)
      }
      int customer;
      try (ResultSet rs =
          s.bind(
                  "SELECT o_c_id FROM orders WHERE o_w_id = ? AND o_d_id = ? AND o_id = ?",
                  w,
                  d,
                  orderId)
              .executeQuery()) {
        rs.next();
        customer = rs.getInt(1);
      }
      s.bind(
              "UPDATE orders SET o_carrier_id = ? WHERE o_w_id = ? AND o_d_id = ? AND o_id = ?",
              in.carrier(),
              w,
              d,
              orderId)
          .executeUpdate();
      s.bind(
              "UPDATE order_line SET ol_delivery_d = ?"
                  + " WHERE ol_w_id = ? AND ol_d_id = ? AND ol_o_id = ?",
              now,
              w,
              d,
              orderId)
          .executeUpdate();
      BigDecimal amount;
      try (ResultSet rs =
          s.bind(
                  "SELECT SUM(ol_amount) FROM order_line"
                      + " WHERE ol_w_id = ? AND ol_d_id = ? AND ol_o_id = ?",
                  w,
                  d,
                  orderId)
              .executeQuery()) {
        rs.next();
        amount = rs.getBigDecimal(1);
      }
      s.bind(
              "UPDATE customer SET c_balance = c_balance + ?, c_delivery_cnt = c_delivery_cnt + 1"
                  + " WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?",
              amount == null ? BigDecimal.ZERO : amount,
              w,
              d,
              customer)
          .executeUpdate();
      delivered++;
    }
    return delivered;
  }
}
