package io.rangedb.workload.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DialectTest {

  @Test
  void choosesTheDialectFromTheUrl() {
    assertEquals(Dialect.POSTGRESQL, Dialect.fromUrl("jdbc:postgresql://127.0.0.1:5432/postgres"));
    assertEquals(Dialect.RANGEDB, Dialect.fromUrl("jdbc:rangedb://127.0.0.1:7400/defaultdb"));
    assertEquals(Dialect.RANGEDB, Dialect.fromUrl("JDBC:RANGEDB://h1:7400,h2:7400/defaultdb"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Dialect.fromUrl("jdbc:mysql://x/y"));
    assertTrue(e.getMessage().contains("jdbc:rangedb"), e.getMessage());
  }

  @Test
  void upsertIsOnConflictOnPostgresAndUpsertOnRangedb() {
    assertEquals(
        "INSERT INTO kv (k, v) VALUES (?, ?), (?, ?) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
        Dialect.POSTGRESQL.upsert("kv", List.of("k", "v"), "k", 2));
    assertEquals(
        "UPSERT INTO kv (k, v) VALUES (?, ?)",
        Dialect.RANGEDB.upsert("kv", List.of("k", "v"), "k", 1));
  }

  @Test
  void rowLocksAndLimitsFollowEachGrammar() {
    assertEquals(" FOR UPDATE", Dialect.POSTGRESQL.forUpdate());
    assertEquals("", Dialect.RANGEDB.forUpdate());
    assertEquals(" LIMIT 1", Dialect.POSTGRESQL.limit(1));
    assertEquals(" FETCH FIRST 1 ROWS ONLY", Dialect.RANGEDB.limit(1));
  }

  @Test
  void postgresBatchesInsertsAsMultiRowStatements() {
    assertEquals(
        "true", Dialect.POSTGRESQL.connectionProperties().getProperty("reWriteBatchedInserts"));
    assertTrue(Dialect.RANGEDB.connectionProperties().isEmpty());
  }

  @Test
  void onlyPostgresIsToldToRefreshStatisticsAfterALoad() {
    assertEquals(
        List.of("ANALYZE item", "ANALYZE stock"),
        Dialect.POSTGRESQL.refreshStatistics(List.of("item", "stock")));
    assertTrue(Dialect.RANGEDB.refreshStatistics(List.of("item")).isEmpty());
  }
}
