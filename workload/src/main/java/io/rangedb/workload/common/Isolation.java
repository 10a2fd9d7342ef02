package io.rangedb.workload.common;

import java.sql.Connection;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

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

  /** Parses the level as people write it: serializable, repeatable-read, "REPEATABLE READ", ... */
  public static Isolation parse(String value) {
    String v = value.trim().toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    try {
      return valueOf(v);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(
          "'" + value + "' is not an isolation level: use SERIALIZABLE or REPEATABLE_READ");
    }
  }

  /** picocli's hook for {@link #parse}. */
  public static final class Converter implements ITypeConverter<Isolation> {
    @Override
    public Isolation convert(String value) {
      return parse(value);
    }
  }
}
