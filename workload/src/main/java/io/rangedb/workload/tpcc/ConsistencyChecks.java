package io.rangedb.workload.tpcc;

import java.util.List;

/**
 * The consistency conditions of TPC-C clause 3.3.2, each written as a query that returns the rows
 * violating it, so an empty result is a pass. Plain SQL (joins, GROUP BY, outer joins, COALESCE),
 * which is what both PostgreSQL and rangedb's Calcite front end understand.
 */
final class ConsistencyChecks {

  /** One condition: its number in the spec, what it says, and the query for its violations. */
  record Check(int number, String description, String violations) {}

  /**
   * Condition 11 holds only while no Delivery has run since the load (each delivery removes a
   * NEW_ORDER row and leaves its order). This query finds districts where some Delivery did run.
   */
  static final String DELIVERIES_SINCE_LOAD =
      "SELECT o_w_id, o_d_id FROM orders WHERE o_carrier_id IS NOT NULL"
          + " GROUP BY o_w_id, o_d_id HAVING COUNT(*) <> "
          + (TpccScale.FIRST_UNDELIVERED_ORDER - 1);

  private static final String DELIVERED_AMOUNT_BY_CUSTOMER =
      "(SELECT o_w_id, o_d_id, o_c_id, SUM(ol_amount) AS amount FROM orders, order_line"
          + " WHERE ol_w_id = o_w_id AND ol_d_id = o_d_id AND ol_o_id = o_id"
          + " AND ol_delivery_d IS NOT NULL GROUP BY o_w_id, o_d_id, o_c_id)";

  static final List<Check> ALL =
      List.of(
          new Check(
              1,
              "W_YTD = sum(D_YTD) for each warehouse",
              "SELECT w_id, w_ytd, SUM(d_ytd) FROM warehouse, district WHERE d_w_id = w_id"
                  + " GROUP BY w_id, w_ytd HAVING w_ytd <> SUM(d_ytd)"),
          new Check(
              2,
              "D_NEXT_O_ID - 1 = max(O_ID) = max(NO_O_ID) for each district",
              "SELECT d_w_id, d_id, d_next_o_id, o.max_o_id, n.max_no_o_id FROM district,"
                  + " (SELECT o_w_id, o_d_id, MAX(o_id) AS max_o_id FROM orders"
                  + " GROUP BY o_w_id, o_d_id) o,"
                  + " (SELECT no_w_id, no_d_id, MAX(no_o_id) AS max_no_o_id FROM new_order"
                  + " GROUP BY no_w_id, no_d_id) n"
                  + " WHERE o.o_w_id = d_w_id AND o.o_d_id = d_id"
                  + " AND n.no_w_id = d_w_id AND n.no_d_id = d_id"
                  + " AND (d_next_o_id - 1 <> o.max_o_id OR d_next_o_id - 1 <> n.max_no_o_id)"),
          new Check(
              3,
              "max(NO_O_ID) - min(NO_O_ID) + 1 = rows in NEW_ORDER for each district",
              "SELECT no_w_id, no_d_id, MIN(no_o_id), MAX(no_o_id), COUNT(*) FROM new_order"
                  + " GROUP BY no_w_id, no_d_id"
                  + " HAVING MAX(no_o_id) - MIN(no_o_id) + 1 <> COUNT(*)"),
          new Check(
              4,
              "sum(O_OL_CNT) = rows in ORDER_LINE for each district",
              "SELECT o.o_w_id, o.o_d_id, o.lines, l.lines FROM"
                  + " (SELECT o_w_id, o_d_id, SUM(o_ol_cnt) AS lines FROM orders"
                  + " GROUP BY o_w_id, o_d_id) o"
                  + " FULL OUTER JOIN"
                  + " (SELECT ol_w_id, ol_d_id, COUNT(*) AS lines FROM order_line"
                  + " GROUP BY ol_w_id, ol_d_id) l"
                  + " ON l.ol_w_id = o.o_w_id AND l.ol_d_id = o.o_d_id"
                  + " WHERE o.lines IS NULL OR l.lines IS NULL OR o.lines <> l.lines"),
          new Check(
              5,
              "O_CARRIER_ID is null exactly for orders with a NEW_ORDER row",
              "SELECT o_w_id, o_d_id, o_id, o_carrier_id, no_o_id FROM orders"
                  + " LEFT JOIN new_order"
                  + " ON no_w_id = o_w_id AND no_d_id = o_d_id AND no_o_id = o_id"
                  + " WHERE (o_carrier_id IS NULL AND no_o_id IS NULL)"
                  + " OR (o_carrier_id IS NOT NULL AND no_o_id IS NOT NULL)"),
          new Check(
              6,
              "O_OL_CNT = rows in ORDER_LINE for each order",
              "SELECT o_w_id, o_d_id, o_id, o_ol_cnt, l.lines FROM orders"
                  + " LEFT JOIN (SELECT ol_w_id, ol_d_id, ol_o_id, COUNT(*) AS lines"
                  + " FROM order_line GROUP BY ol_w_id, ol_d_id, ol_o_id) l"
                  + " ON l.ol_w_id = o_w_id AND l.ol_d_id = o_d_id AND l.ol_o_id = o_id"
                  + " WHERE l.lines IS NULL OR l.lines <> o_ol_cnt"),
          new Check(
              7,
              "OL_DELIVERY_D is null exactly when the order's O_CARRIER_ID is null",
              "SELECT ol_w_id, ol_d_id, ol_o_id, ol_number FROM order_line, orders"
                  + " WHERE o_w_id = ol_w_id AND o_d_id = ol_d_id AND o_id = ol_o_id"
                  + " AND ((ol_delivery_d IS NULL AND o_carrier_id IS NOT NULL)"
                  + " OR (ol_delivery_d IS NOT NULL AND o_carrier_id IS NULL))"),
          new Check(
              8,
              "W_YTD = sum(H_AMOUNT) for each warehouse",
              "SELECT w_id, w_ytd, h.amount FROM warehouse"
                  + " LEFT JOIN (SELECT h_w_id, SUM(h_amount) AS amount FROM history"
                  + " GROUP BY h_w_id) h ON h.h_w_id = w_id"
                  + " WHERE h.amount IS NULL OR w_ytd <> h.amount"),
          new Check(
              9,
              "D_YTD = sum(H_AMOUNT) for each district",
              "SELECT d_w_id, d_id, d_ytd, h.amount FROM district"
                  + " LEFT JOIN (SELECT h_w_id, h_d_id, SUM(h_amount) AS amount FROM history"
                  + " GROUP BY h_w_id, h_d_id) h ON h.h_w_id = d_w_id AND h.h_d_id = d_id"
                  + " WHERE h.amount IS NULL OR d_ytd <> h.amount"),
          new Check(
              10,
              "C_BALANCE = sum(delivered OL_AMOUNT) - sum(H_AMOUNT) for each customer",
              "SELECT c_w_id, c_d_id, c_id, c_balance, ol.amount, h.amount FROM customer"
                  + " LEFT JOIN "
                  + DELIVERED_AMOUNT_BY_CUSTOMER
                  + " ol ON ol.o_w_id = c_w_id AND ol.o_d_id = c_d_id AND ol.o_c_id = c_id"
                  + " LEFT JOIN (SELECT h_c_w_id, h_c_d_id, h_c_id, SUM(h_amount) AS amount"
                  + " FROM history GROUP BY h_c_w_id, h_c_d_id, h_c_id) h"
                  + " ON h.h_c_w_id = c_w_id AND h.h_c_d_id = c_d_id AND h.h_c_id = c_id"
                  + " WHERE c_balance <> COALESCE(ol.amount, 0) - COALESCE(h.amount, 0)"),
          new Check(
              11,
              "rows in ORDERS - rows in NEW_ORDER = 2100 for each district (until a Delivery)",
              "SELECT o.o_w_id, o.o_d_id, o.n, n.n FROM"
                  + " (SELECT o_w_id, o_d_id, COUNT(*) AS n FROM orders GROUP BY o_w_id, o_d_id) o"
                  + " LEFT JOIN"
                  + " (SELECT no_w_id, no_d_id, COUNT(*) AS n FROM new_order"
                  + " GROUP BY no_w_id, no_d_id) n"
                  + " ON n.no_w_id = o.o_w_id AND n.no_d_id = o.o_d_id"
                  + " WHERE o.n - COALESCE(n.n, 0) <> "
                  + (TpccScale.FIRST_UNDELIVERED_ORDER - 1)),
          new Check(
              12,
              "C_BALANCE + C_YTD_PAYMENT = sum(delivered OL_AMOUNT) for each customer",
              "SELECT c_w_id, c_d_id, c_id, c_balance, c_ytd_payment, ol.amount FROM customer"
                  + " LEFT JOIN "
                  + DELIVERED_AMOUNT_BY_CUSTOMER
                  + " ol ON ol.o_w_id = c_w_id AND ol.o_d_id = c_d_id AND ol.o_c_id = c_id"
                  + " WHERE c_balance + c_ytd_payment <> COALESCE(ol.amount, 0)"));

  private ConsistencyChecks() {}
}
