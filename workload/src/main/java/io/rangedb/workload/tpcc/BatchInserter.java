package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.ProgressBar;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;

/**
 * Inserts rows through one prepared statement in JDBC batches, committing each batch, so that a
 * load neither holds one giant transaction open nor pays a round trip per row.
 */
final class BatchInserter implements AutoCloseable {
  static final int BATCH_ROWS = 1000;

  /** A NULL of a known SQL type: drivers bind untyped NULLs inconsistently across batch rows. */
  record TypedNull(int sqlType) {}

  static final TypedNull NULL_INTEGER = new TypedNull(Types.INTEGER);
  static final TypedNull NULL_TIMESTAMP = new TypedNull(Types.TIMESTAMP);

  private final Connection connection;
  private final PreparedStatement statement;
  private final ProgressBar progress;
  private int pending;

  BatchInserter(Connection connection, String table, int columns, ProgressBar progress)
      throws SQLException {
    this.connection = connection;
    this.progress = progress;
    StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" VALUES (");
    for (int i = 0; i < columns; i++) {
      sql.append(i == 0 ? "?" : ", ?");
    }
    this.statement = connection.prepareStatement(sql.append(')').toString());
  }

  /** Binds one row's values in column order and queues it. */
  void add(Object... values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      if (values[i] instanceof TypedNull n) {
        statement.setNull(i + 1, n.sqlType());
      } else {
        statement.setObject(i + 1, values[i]);
      }
    }
    statement.addBatch();
    if (++pending == BATCH_ROWS) {
      flush();
    }
  }

  void flush() throws SQLException {
    if (pending == 0) {
      return;
    }
    statement.executeBatch();
    connection.commit();
    progress.advance(pending);
    pending = 0;
  }

  @Override
  public void close() throws SQLException {
    try {
      flush();
    } finally {
      statement.close();
    }
  }
}
