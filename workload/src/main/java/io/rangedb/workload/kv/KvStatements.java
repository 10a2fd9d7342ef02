package io.rangedb.workload.kv;

import io.rangedb.workload.common.Dialect;
import java.util.List;

/** The kv table and the two statements the workload issues, for a given batch size. */
final class KvStatements {
  static final String TABLE = "kv";

  private KvStatements() {}

  static List<String> create(Dialect d, boolean drop) {
    String create =
        "CREATE TABLE IF NOT EXISTS kv (k BIGINT NOT NULL, v " + d.bytes() + ", PRIMARY KEY (k))";
    return drop ? List.of("DROP TABLE IF EXISTS kv", create) : List.of(create);
  }

  /** Reads {@code batch} keys in one statement. */
  static String read(int batch) {
    StringBuilder sql = new StringBuilder("SELECT k, v FROM kv WHERE k IN (");
    for (int i = 0; i < batch; i++) {
      sql.append(i == 0 ? "?" : ", ?");
    }
    return sql.append(')').toString();
  }

  /** Writes {@code batch} keys in one statement, overwriting existing values. */
  static String write(Dialect d, int batch) {
    return d.upsert(TABLE, List.of("k", "v"), "k", batch);
  }
}
