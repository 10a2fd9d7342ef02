package io.rangedb.workload.common;

import java.sql.SQLException;

/** Classifies SQL errors by SQLSTATE, the one error vocabulary rangedb and PostgreSQL share. */
public final class SqlStates {
  /** serialization_failure: the database aborted the transaction; running it again may succeed. */
  public static final String SERIALIZATION_FAILURE = "40001";

  /** deadlock_detected: PostgreSQL's victim of a lock cycle; equally safe to retry. */
  public static final String DEADLOCK_DETECTED = "40P01";

  private SqlStates() {}

  /** The SQLSTATE of the first exception in the chain that has one, or "unknown". */
  public static String of(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if (x.getSQLState() != null) {
        return x.getSQLState();
      }
    }
    return "unknown";
  }

  public static boolean isRetryable(String sqlState) {
    return SERIALIZATION_FAILURE.equals(sqlState) || DEADLOCK_DETECTED.equals(sqlState);
  }

  /** Class 08 means the connection itself is gone and must be reopened. */
  public static boolean isConnectionLost(String sqlState) {
    return sqlState.startsWith("08");
  }
}
