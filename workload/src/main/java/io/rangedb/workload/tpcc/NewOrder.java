package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.Dialect;
import io.rangedb.workload.common.TransactionRunner.RollbackRequested;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Arrays;

/** The New-Order transaction (clause 2.4): enter an order of 5 to 15 lines, updating stock. */
final class NewOrder {

  /** One order line's input. */
  record Line(int itemId, int supplyWarehouse, int quantity) {}

  /**
   * The terminal's input. In 1% of orders the last line names an item that does not exist, and the
   * transaction must roll back when it finds out (clause 2.4.1.4).
   */
  record Input(int warehouse, int district, int customer, Line[] lines, boolean invalidItem) {
    boolean allLocal() {
      return Arrays.stream(lines).allMatch(l -> l.supplyWarehouse() == warehouse);
    }
  }

  private NewOrder() {}

  static Input generate(TpccRandom r, TerminalContext t) {
    int w = t.homeWarehouse();
    int count = r.uniform(5, 15);
    boolean rollback = r.uniform(1, 100) == 1;
    Line[] lines = new Line[count];
    for (int i = 0; i < count; i++) {
      int item = rollback && i == count - 1 ? TpccScale.UNUSED_ITEM_ID : r.itemId();
      // 1% of lines are supplied by another warehouse (clause 2.4.1.5).
      int supply = r.uniform(1, 100) == 1 ? t.remoteWarehouse(r) : w;
      lines[i] = new Line(item, supply, r.uniform(1, 10));
    }
    // Touch stock rows in one global order, so two New-Orders never wait on each other in a cycle.
    // The unused item id is the largest, so it stays last and the rollback still comes at the end.
    Arrays.sort(
        lines,
        (a, b) ->
            a.itemId() != b.itemId()
                ? Integer.compare(a.itemId(), b.itemId())
                : Integer.compare(a.supplyWarehouse(), b.supplyWarehouse()));
    return new Input(
        w, r.uniform(1, TpccScale.DISTRICTS_PER_WAREHOUSE), r.customerId(), lines, rollback);
  }

  /** Runs the order and returns its total as the terminal would show it. */
  static BigDecimal execute(StatementCache s, Dialect dialect, Input in, Timestamp now)
      throws SQLException, RollbackRequested {
    BigDecimal wTax;
    try (ResultSet rs =
        s.bind("SELECT w_tax FROM warehouse WHERE w_id = ?", in.warehouse()).executeQuery()) {
      rs.next();
      wTax = rs.getBigDecimal(1);
    }
    BigDecimal dTax;
    int orderId;
    try (ResultSet rs =
        s.bind(
                "SELECT d_tax, d_next_o_id FROM district WHERE d_w_id = ? AND d_id = ?"
                    + dialect.forUpdate(),
                in.warehouse(),
                in.district())
            .executeQuery()) {
      rs.next();
      dTax = rs.getBigDecimal(1);
      orderId = rs.getInt(2);
    }
    s.bind(
            "UPDATE district SET d_next_o_id = d_next_o_id + 1 WHERE d_w_id = ? AND d_id = ?",
            in.warehouse(),
            in.district())
        .executeUpdate();
    BigDecimal discount;
    try (ResultSet rs =
        s.bind(
                "SELECT c_discount, c_last, c_credit FROM customer"
                    + " WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?",
                in.warehouse(),
                in.district(),
                in.customer())
            .executeQuery()) {
      rs.next();
      discount = rs.getBigDecimal(1);
    }
    s.bind(
            "INSERT INTO orders (o_w_id, o_d_id, o_id, o_c_id, o_entry_d, o_carrier_id, o_ol_cnt,"
                + " o_all_local) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
            in.warehouse(),
            in.district(),
            orderId,
            in.customer(),
            now,
            in.lines().length,
            in.allLocal() ? 1 : 0)
        .executeUpdate();
    s.bind(
            "INSERT INTO new_order (no_w_id, no_d_id, no_o_id) VALUES (?, ?, ?)",
            in.warehouse(),
            in.district(),
            orderId)
        .executeUpdate();

    PreparedStatement insertLine =
        s.bind(
            "INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id,"
                + " ol_delivery_d, ol_quantity, ol_amount, ol_dist_info)"
                + " VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)");
    insertLine.clearBatch(); // a retried attempt must not resend the lines of the aborted one
    BigDecimal total = BigDecimal.ZERO;
    String distColumn = String.format("s_dist_%02d", in.district());
    for (int n = 0; n < in.lines().length; n++) {
      Line line = in.lines()[n];
      BigDecimal price;
      try (ResultSet rs =
          s.bind("SELECT i_price, i_name, i_data FROM item WHERE i_id = ?", line.itemId())
              .executeQuery()) {
        if (!rs.next()) {
          insertLine.clearBatch();
          throw new RollbackRequested("item " + line.itemId() + " not found");
        }
        price = rs.getBigDecimal(1);
      }
      int quantity;
      String distInfo;
      try (ResultSet rs =
          s.bind(
                  "SELECT s_quantity, "
                      + distColumn
                      + ", s_data FROM stock WHERE s_w_id = ? AND s_i_id = ?"
                      + dialect.forUpdate(),
                  line.supplyWarehouse(),
                  line.itemId())
              .executeQuery()) {
        rs.next();
        quantity = rs.getInt(1);
        distInfo = rs.getString(2);
      }
      // Restock by 91 when the order would leave fewer than 10 (clause 2.4.2.2).
      int newQuantity =
          quantity >= line.quantity() + 10
              ? quantity - line.quantity()
              : quantity - line.quantity() + 91;
      s.bind(
              "UPDATE stock SET s_quantity = ?, s_ytd = s_ytd + ?, s_order_cnt = s_order_cnt + 1,"
                  + " s_remote_cnt = s_remote_cnt + ? WHERE s_w_id = ? AND s_i_id = ?",
              newQuantity,
              line.quantity(),
              line.supplyWarehouse() == in.warehouse() ? 0 : 1,
              line.supplyWarehouse(),
              line.itemId())
          .executeUpdate();
      BigDecimal amount = price.multiply(BigDecimal.valueOf(line.quantity()));
      total = total.add(amount);
      insertLine.setInt(1, in.warehouse());
      insertLine.setInt(2, in.district());
      insertLine.setInt(3, orderId);
      insertLine.setInt(4, n + 1);
      insertLine.setInt(5, line.itemId());
      insertLine.setInt(6, line.supplyWarehouse());
      insertLine.setInt(7, line.quantity());
      insertLine.setBigDecimal(8, amount);
      insertLine.setString(9, distInfo);
      insertLine.addBatch();
    }
    insertLine.executeBatch();
    return total
        .multiply(BigDecimal.ONE.subtract(discount))
        .multiply(BigDecimal.ONE.add(wTax).add(dTax))
        .setScale(2, RoundingMode.HALF_UP);
  }
}
