package io.rangedb.workload.common;

import java.sql.Connection;

/**
 * The isolation levels a run may ask for; both keep TPC-C's invariants on PostgreSQL and rangedb.
 */
public enum Isolation {
  SERIALIZABLE(Connection.TRANSACTION_SERIALIZABLE),
  REPEATABLE_READ(Connection.TRANSACTION_REPEATABLE_READ);

  private final int jdbcLevel;

  Isolation(int jdbcLevel) {
    this.jdbcLevel = jdbcLevel;
  }

  public int jdbcLevel() {
    return jdbcLevel;
  }
}
