package io.rangedb.workload.tpcc;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The Stock-Level transaction (clause 2.8): count recently ordered items of the terminal's district
 * whose stock is below a threshold. Read-only, and the heaviest read of the mix.
 */
final class StockLevel {

  record Input(int warehouse, int district, int threshold) {}

  private StockLevel() {}

  static Input generate(TpccRandom r, TerminalContext t) {
    return new Input(t.homeWarehouse(), t.homeDistrict(), r.uniform(10, 20));
  }

  /** Returns the number of distinct low-stock items among the district's last 20 orders. */
  static int execute(StatementCache s, Input in) throws SQLException {
    int next;
    try (ResultSet rs =
        s.bind(
                "SELECT d_next_o_id FROM district WHERE d_w_id = ? AND d_id = ?",
                in.warehouse(),
                in.district())
            .executeQuery()) {
      rs.next();
      next = rs.getInt(1);
    }
    try (ResultSet rs =
        s.bind(
                "SELECT COUNT(DISTINCT s_i_id) FROM order_line, stock"
                    + " WHERE ol_w_id = ? AND ol_d_id = ? AND ol_o_id >= ? AND ol_o_id < ?"
                    + " AND s_w_id = ol_w_id AND s_i_id = ol_i_id AND s_quantity < ?",
                in.warehouse(),
                in.district(),
                next - 20,
                next,
                in.threshold())
            .executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
