package io.rangedb.workload.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class IsolationTest {

  @Test
  void acceptsTheUsualSpellings() {
    assertEquals(Isolation.SERIALIZABLE, Isolation.parse("serializable"));
    assertEquals(Isolation.REPEATABLE_READ, Isolation.parse("repeatable-read"));
    assertEquals(Isolation.REPEATABLE_READ, Isolation.parse("REPEATABLE READ"));
    assertEquals(Isolation.REPEATABLE_READ, Isolation.parse("Repeatable_Read"));
  }

  @Test
  void mapsToTheJdbcLevels() {
    assertEquals(Connection.TRANSACTION_SERIALIZABLE, Isolation.SERIALIZABLE.jdbcLevel());
    assertEquals(Connection.TRANSACTION_REPEATABLE_READ, Isolation.REPEATABLE_READ.jdbcLevel());
  }

  @Test
  void rejectsLevelsThatDoNotKeepTpccConsistent() {
    TypeConversionException e =
        assertThrows(TypeConversionException.class, () -> Isolation.parse("read committed"));
    assertEquals(
        "'read committed' is not an isolation level: use SERIALIZABLE or REPEATABLE_READ",
        e.getMessage());
  }
}
