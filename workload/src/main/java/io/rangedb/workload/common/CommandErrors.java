package io.rangedb.workload.common;

import java.io.PrintWriter;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the failures a user can fix (database unreachable, tables missing, bad parameters) into one
 * line on stderr and an exit code, instead of a stack trace. The trace still goes to the log.
 */
public final class CommandErrors {
  private static final Logger log = LoggerFactory.getLogger(CommandErrors.class);

  /** Exit code of a failed database operation. */
  public static final int DATABASE_ERROR = 1;

  /** Exit code of parameters that cannot work, as picocli uses for usage errors. */
  public static final int USAGE_ERROR = 2;

  private CommandErrors() {}

  /** A unit of command work that may fail in the ways above. */
  @FunctionalInterface
  public interface Body {
    int run() throws Exception;
  }

  public static int run(PrintWriter err, Body body) throws Exception {
    try {
      return body.run();
    } catch (SQLException e) {
      log.debug("database error", e);
      err.printf("error: %s (SQLSTATE %s)%n", e.getMessage(), SqlStates.of(e));
      err.flush();
      return DATABASE_ERROR;
    } catch (IllegalArgumentException | IllegalStateException e) {
      log.debug("unusable parameters", e);
      err.printf("error: %s%n", e.getMessage());
      err.flush();
      return USAGE_ERROR;
    }
  }
}
