package io.rangedb.workload.tpcc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The prepared statements of one terminal's connection, prepared on first use and reused after, so
 * that the database plans each query once (PostgreSQL switches to a server-side prepared statement
 * only for a statement object it sees again; rangedb caches plans per prepared statement).
 */
final class StatementCache implements AutoCloseable {
  private final Connection connection;
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  StatementCache(Connection connection) {
    this.connection = connection;
  }

  Connection connection() {
    return connection;
  }

  /** The statement for {@code sql} with its parameters bound in order. */
  PreparedStatement bind(String sql, Object... params) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      ps = connection.prepareStatement(sql);
      statements.put(sql, ps);
    }
    for (int i = 0; i < params.length; i++) {
      ps.setObject(i + 1, params[i]);
    }
    return ps;
  }

  @Override
  public void close() {
    for (PreparedStatement ps : statements.values()) {
      try {
        ps.close();
      } catch (SQLException ignored) {
        // The connection is being thrown away; nothing to do about a statement that will not close.
      }
    }
    statements.clear();
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Same: a broken connection may refuse to close cleanly.
    }
  }
}
