package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.ConnectionOptions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the consistency conditions against a database, all in one read-only snapshot so that a run
 * still in flight cannot make a consistent database look inconsistent.
 */
public final class TpccChecker {

  public enum Status {
    PASS,
    FAIL,
    SKIP
  }

  /** One condition's verdict, with the first violating row or the reason for a skip. */
  public record Result(int number, String description, Status status, String detail) {}

  private final ConnectionOptions target;

  public TpccChecker(ConnectionOptions target) {
    this.target = target;
  }

  public List<Result> check() throws SQLException {
    List<Result> results = new ArrayList<>();
    try (Connection c = target.connect()) {
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      boolean delivered = count(c, ConsistencyChecks.DELIVERIES_SINCE_LOAD).rows() > 0;
      for (ConsistencyChecks.Check check : ConsistencyChecks.ALL) {
        if (check.number() == 11 && delivered) {
          results.add(
              new Result(
                  11,
                  check.description(),
                  Status.SKIP,
                  "Deliveries have run since the load; the condition holds only before them"));
          continue;
        }
        Violations v = count(c, check.violations());
        results.add(
            new Result(
                check.number(),
                check.description(),
                v.rows() == 0 ? Status.PASS : Status.FAIL,
                v.rows() == 0 ? "" : v.rows() + " violation(s), first: " + v.first()));
      }
      c.commit();
    }
    return results;
  }

  private record Violations(long rows, String first) {}

  private static Violations count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      long rows = 0;
      String first = null;
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        if (rows++ == 0) {
          StringBuilder sb = new StringBuilder("(");
          for (int i = 1; i <= md.getColumnCount(); i++) {
            sb.append(i == 1 ? "" : ", ").append(rs.getString(i));
          }
          first = sb.append(')').toString();
        }
      }
      return new Violations(rows, first);
    }
  }
}
