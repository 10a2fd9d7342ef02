package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.ConnectionOptions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Questions about a loaded TPC-C database that the commands ask before they start. */
public final class TpccDatabase {
  private TpccDatabase() {}

  /** The number of warehouses loaded. */
  public static int warehouses(ConnectionOptions target) throws SQLException {
    try (Connection c = target.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM warehouse")) {
      rs.next();
      int n = rs.getInt(1);
      c.commit();
      return n;
    }
  }

  /** Throws if fewer than {@code warehouses} warehouses are loaded (a run would fail on each). */
  public static void requireLoaded(ConnectionOptions target, int warehouses) throws SQLException {
    int loaded = warehouses(target);
    if (loaded < warehouses) {
      throw new SQLException(
          "the database holds "
              + loaded
              + " warehouse(s) but the run asks for "
              + warehouses
              + "; run 'workload tpcc init --warehouses "
              + warehouses
              + "' first");
    }
  }
}
