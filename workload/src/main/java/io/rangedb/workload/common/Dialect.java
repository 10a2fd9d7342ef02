package io.rangedb.workload.common;

import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Every piece of SQL that differs between the databases we drive lives here, so the workloads
 * themselves are plain, portable SQL. The dialect is chosen from the JDBC URL.
 *
 * <p>The rangedb column is written from DESIGN.md (Calcite grammar extended with UPSERT, tables
 * keyed by primary key, SERIALIZABLE by default); adjust it here, and only here, once the SQL layer
 * has landed and shows what it really accepts. One assumption outside this class: TPC-C's HISTORY
 * table has no primary key, which rangedb must accept the way CockroachDB does (a hidden row id).
 */
public enum Dialect {
  POSTGRESQL,
  RANGEDB;

  /**
   * Picks the dialect from a JDBC URL such as {@code jdbc:postgresql://...} or {@code
   * jdbc:rangedb://...}.
   */
  public static Dialect fromUrl(String url) {
    String u = url.toLowerCase(Locale.ROOT);
    if (u.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    if (u.startsWith("jdbc:rangedb:")) {
      return RANGEDB;
    }
    throw new IllegalArgumentException(
        "unsupported JDBC URL '" + url + "': expected jdbc:postgresql://... or jdbc:rangedb://...");
  }

  /**
   * Driver properties that make bulk loading and short transactions cheap. PostgreSQL's driver
   * rewrites a batch of single-row INSERTs into multi-row INSERTs only when asked.
   */
  public Properties connectionProperties() {
    Properties p = new Properties();
    if (this == POSTGRESQL) {
      p.setProperty("reWriteBatchedInserts", "true");
      p.setProperty("ApplicationName", "rangedb-workload");
    }
    return p;
  }

  /**
   * Suffix that locks the rows a SELECT reads before they are updated. PostgreSQL needs it so that
   * concurrent read-modify-write cycles queue instead of failing late; rangedb's grammar (Calcite)
   * has no FOR UPDATE, and under SERIALIZABLE the timestamp cache already protects those reads.
   */
  public String forUpdate() {
    return this == POSTGRESQL ? " FOR UPDATE" : "";
  }

  /**
   * Row limit clause; FETCH FIRST is standard SQL that Calcite parses without a conformance switch.
   */
  public String limit(int rows) {
    return this == POSTGRESQL ? " LIMIT " + rows : " FETCH FIRST " + rows + " ROWS ONLY";
  }

  /**
   * Statements to run after a bulk load so the planner knows the new tables' sizes. PostgreSQL's
   * autovacuum would get there eventually, but a run started at once would plan against empty-table
   * statistics; rangedb collects nothing yet.
   */
  public List<String> refreshStatistics(List<String> tables) {
    return this == POSTGRESQL ? tables.stream().map(t -> "ANALYZE " + t).toList() : List.of();
  }

  /** Fixed-point type for money and rates; both accept the standard spelling. */
  public String decimal(int precision, int scale) {
    return "DECIMAL(" + precision + "," + scale + ")";
  }

  /** Timestamp without time zone. */
  public String timestamp() {
    return "TIMESTAMP";
  }

  /** Variable-length binary value. */
  public String bytes() {
    return this == POSTGRESQL ? "BYTEA" : "VARBINARY";
  }

  /**
   * Inserts rows or overwrites them by primary key: one multi-row statement for {@code rows} rows.
   * PostgreSQL spells it INSERT ... ON CONFLICT; rangedb (like CockroachDB) has UPSERT.
   */
  public String upsert(String table, List<String> columns, String keyColumn, int rows) {
    StringBuilder sql = new StringBuilder();
    sql.append(this == POSTGRESQL ? "INSERT INTO " : "UPSERT INTO ").append(table).append(" (");
    sql.append(String.join(", ", columns)).append(") VALUES ");
    String tuple = "(" + String.join(", ", columns.stream().map(c -> "?").toList()) + ")";
    for (int i = 0; i < rows; i++) {
      sql.append(i == 0 ? "" : ", ").append(tuple);
    }
    if (this == POSTGRESQL) {
      sql.append(" ON CONFLICT (").append(keyColumn).append(") DO UPDATE SET ");
      boolean first = true;
      for (String c : columns) {
        if (!c.equals(keyColumn)) {
          sql.append(first ? "" : ", ").append(c).append(" = EXCLUDED.").append(c);
          first = false;
        }
      }
    }
    return sql.toString();
  }
}
