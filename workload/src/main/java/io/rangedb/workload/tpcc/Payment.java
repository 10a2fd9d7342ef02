package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.Dialect;
import io.rangedb.workload.common.TransactionRunner.RollbackRequested;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;

/**
 * The Payment transaction (clause 2.5): a customer pays, which updates the warehouse, district and
 * customer balances and appends a history row.
 */
final class Payment {
  private static final int MAX_C_DATA = 500;

  /** The terminal's input; 15% of payments are for a customer of another warehouse (2.5.1.2). */
  record Input(
      int warehouse,
      int district,
      int customerWarehouse,
      int customerDistrict,
      CustomerSelector.Key customer,
      BigDecimal amount) {}

  private Payment() {}

  static Input generate(TpccRandom r, TerminalContext t) {
    int w = t.homeWarehouse();
    int d = r.uniform(1, TpccScale.DISTRICTS_PER_WAREHOUSE);
    int cw = w;
    int cd = d;
    if (r.uniform(1, 100) > 85 && t.warehouses() > 1) {
      cw = t.remoteWarehouse(r);
      cd = r.uniform(1, TpccScale.DISTRICTS_PER_WAREHOUSE);
    }
    return new Input(w, d, cw, cd, CustomerSelector.Key.random(r), r.decimal("1.00", "5000.00", 2));
  }

  static void execute(StatementCache s, Dialect dialect, Input in, Timestamp now)
      throws SQLException, RollbackRequested {
    s.bind("UPDATE warehouse SET w_ytd = w_ytd + ? WHERE w_id = ?", in.amount(), in.warehouse())
        .executeUpdate();
    String wName;
    try (ResultSet rs =
        s.bind(
                "SELECT w_name, w_street_1, w_street_2, w_city, w_state, w_zip FROM warehouse"
                    + " WHERE w_id = ?",
                in.warehouse())
            .executeQuery()) {
      rs.next();
      wName = rs.getString(1);
    }
    s.bind(
            "UPDATE district SET d_ytd = d_ytd + ? WHERE d_w_id = ? AND d_id = ?",
            in.amount(),
            in.warehouse(),
            in.district())
        .executeUpdate();
    String dName;
    try (ResultSet rs =
        s.bind(
                "SELECT d_name, d_street_1, d_street_2, d_city, d_state, d_zip FROM district"
                    + " WHERE d_w_id = ? AND d_id = ?",
                in.warehouse(),
                in.district())
            .executeQuery()) {
      rs.next();
      dName = rs.getString(1);
    }
    int cw = in.customerWarehouse();
    int cd = in.customerDistrict();
    int c = CustomerSelector.resolve(s, cw, cd, in.customer());
    if (c < 0) {
      throw new RollbackRequested("no customer named " + in.customer().lastName());
    }
    String credit;
    String data;
    try (ResultSet rs =
        s.bind(
                "SELECT c_first, c_middle, c_last, c_street_1, c_street_2, c_city, c_state, c_zip,"
                    + " c_phone, c_since, c_credit, c_credit_lim, c_discount, c_balance, c_data"
                    + " FROM customer WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?"
                    + dialect.forUpdate(),
                cw,
                cd,
                c)
            .executeQuery()) {
      rs.next();
      credit = rs.getString(11);
      data = rs.getString(15);
    }
    if ("BC".equals(credit)) {
      // Bad credit: prepend this payment to C_DATA, kept to its 500 characters (clause 2.5.2.2).
      String entry =
          c
              + " "
              + cd
              + " "
              + cw
              + " "
              + in.district()
              + " "
              + in.warehouse()
              + " "
              + in.amount()
              + " | ";
      String newData = entry + (data == null ? "" : data);
      if (newData.length() > MAX_C_DATA) {
        newData = newData.substring(0, MAX_C_DATA);
      }
      s.bind(
              "UPDATE customer SET c_balance = c_balance - ?, c_ytd_payment = c_ytd_payment + ?,"
                  + " c_payment_cnt = c_payment_cnt + 1, c_data = ?"
                  + " WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?",
              in.amount(),
              in.amount(),
              newData,
              cw,
              cd,
              c)
          .executeUpdate();
    } else {
      s.bind(
              "UPDATE customer SET c_balance = c_balance - ?, c_ytd_payment = c_ytd_payment + ?,"
                  + " c_payment_cnt = c_payment_cnt + 1"
                  + " WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?",
              in.amount(),
              in.amount(),
              cw,
              cd,
              c)
          .executeUpdate();
    }
    String hData = wName + "    " + dName;
    s.bind(
            "INSERT INTO history (h_c_id, h_c_d_id, h_c_w_id, h_d_id, h_w_id, h_date, h_amount,"
                + " h_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            c,
            cd,
            cw,
            in.district(),
            in.warehouse(),
            now,
            in.amount(),
            hData.length() > 24 ? hData.substring(0, 24) : hData)
        .executeUpdate();
  }
}
