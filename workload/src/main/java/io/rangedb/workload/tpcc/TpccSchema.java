package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.Dialect;
import java.util.List;

/**
 * The nine TPC-C tables (clause 1.3) with their primary keys, plus the two secondary indexes the
 * transactions' queries need: customers by last name (Payment, Order-Status) and a customer's
 * latest order (Order-Status). Foreign keys are left out: they are not required, and they would
 * measure constraint checking rather than the transactions.
 */
public final class TpccSchema {
  /** Every table, in the order they are created; dropped in reverse. */
  public static final List<String> TABLES =
      List.of(
          "warehouse",
          "district",
          "customer",
          "history",
          "new_order",
          "orders",
          "order_line",
          "item",
          "stock");

  private TpccSchema() {}

  public static List<String> dropStatements() {
    return TABLES.reversed().stream().map(t -> "DROP TABLE IF EXISTS " + t).toList();
  }

  public static List<String> createStatements(Dialect d) {
    String money = d.decimal(12, 2);
    String rate = d.decimal(4, 4);
    String ts = d.timestamp();
    return List.of(
        """
        CREATE TABLE warehouse (
          w_id INTEGER NOT NULL, w_name VARCHAR(10), w_street_1 VARCHAR(20), w_street_2 VARCHAR(20),
          w_city VARCHAR(20), w_state CHAR(2), w_zip CHAR(9), w_tax %s, w_ytd %s,
          PRIMARY KEY (w_id))"""
            .formatted(rate, money),
        """
        CREATE TABLE district (
          d_w_id INTEGER NOT NULL, d_id INTEGER NOT NULL, d_name VARCHAR(10),
          d_street_1 VARCHAR(20), d_street_2 VARCHAR(20), d_city VARCHAR(20), d_state CHAR(2),
          d_zip CHAR(9), d_tax %s, d_ytd %s, d_next_o_id INTEGER,
          PRIMARY KEY (d_w_id, d_id))"""
            .formatted(rate, money),
        """
        CREATE TABLE customer (
          c_w_id INTEGER NOT NULL, c_d_id INTEGER NOT NULL, c_id INTEGER NOT NULL,
          c_first VARCHAR(16), c_middle CHAR(2), c_last VARCHAR(16), c_street_1 VARCHAR(20),
          c_street_2 VARCHAR(20), c_city VARCHAR(20), c_state CHAR(2), c_zip CHAR(9),
          c_phone CHAR(16), c_since %s, c_credit CHAR(2), c_credit_lim %s, c_discount %s,
          c_balance %s, c_ytd_payment %s, c_payment_cnt INTEGER, c_delivery_cnt INTEGER,
          c_data VARCHAR(500),
          PRIMARY KEY (c_w_id, c_d_id, c_id))"""
            .formatted(ts, money, rate, money, money),
        // HISTORY has no primary key in the spec: rows are only ever appended and summed.
        """
        CREATE TABLE history (
          h_c_id INTEGER, h_c_d_id INTEGER, h_c_w_id INTEGER, h_d_id INTEGER, h_w_id INTEGER,
          h_date %s, h_amount %s, h_data VARCHAR(24))"""
            .formatted(ts, d.decimal(6, 2)),
        """
        CREATE TABLE new_order (
          no_w_id INTEGER NOT NULL, no_d_id INTEGER NOT NULL, no_o_id INTEGER NOT NULL,
          PRIMARY KEY (no_w_id, no_d_id, no_o_id))""",
        """
        CREATE TABLE orders (
          o_w_id INTEGER NOT NULL, o_d_id INTEGER NOT NULL, o_id INTEGER NOT NULL,
          o_c_id INTEGER, o_entry_d %s, o_carrier_id INTEGER, o_ol_cnt INTEGER,
          o_all_local INTEGER,
          PRIMARY KEY (o_w_id, o_d_id, o_id))"""
            .formatted(ts),
        """
        CREATE TABLE order_line (
          ol_w_id INTEGER NOT NULL, ol_d_id INTEGER NOT NULL, ol_o_id INTEGER NOT NULL,
          ol_number INTEGER NOT NULL, ol_i_id INTEGER, ol_supply_w_id INTEGER,
          ol_delivery_d %s, ol_quantity INTEGER, ol_amount %s, ol_dist_info CHAR(24),
          PRIMARY KEY (ol_w_id, ol_d_id, ol_o_id, ol_number))"""
            .formatted(ts, d.decimal(6, 2)),
        """
        CREATE TABLE item (
          i_id INTEGER NOT NULL, i_im_id INTEGER, i_name VARCHAR(24), i_price %s,
          i_data VARCHAR(50),
          PRIMARY KEY (i_id))"""
            .formatted(d.decimal(5, 2)),
        """
        CREATE TABLE stock (
          s_w_id INTEGER NOT NULL, s_i_id INTEGER NOT NULL, s_quantity INTEGER,
          s_dist_01 CHAR(24), s_dist_02 CHAR(24), s_dist_03 CHAR(24), s_dist_04 CHAR(24),
          s_dist_05 CHAR(24), s_dist_06 CHAR(24), s_dist_07 CHAR(24), s_dist_08 CHAR(24),
          s_dist_09 CHAR(24), s_dist_10 CHAR(24), s_ytd INTEGER, s_order_cnt INTEGER,
          s_remote_cnt INTEGER, s_data VARCHAR(50),
          PRIMARY KEY (s_w_id, s_i_id))""",
        "CREATE INDEX customer_name_idx ON customer (c_w_id, c_d_id, c_last, c_first)",
        "CREATE INDEX orders_customer_idx ON orders (o_w_id, o_d_id, o_c_id, o_id)");
  }
}
