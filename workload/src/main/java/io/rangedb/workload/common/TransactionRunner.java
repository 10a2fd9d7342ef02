package io.rangedb.workload.common;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs one unit of work as a database transaction, retrying it from the start when the database
 * aborted it for a serialization failure or deadlock (40001, 40P01). Retries are expected under
 * SERIALIZABLE and are reported apart from real errors.
 */
public final class TransactionRunner {

  /** The body of a transaction. It must be safe to run again from the beginning. */
  @FunctionalInterface
  public interface Work {
    void run(Connection connection) throws SQLException, RollbackRequested;
  }

  /** Thrown by a {@link Work} that decides to roll back on purpose (TPC-C's invalid item). */
  public static final class RollbackRequested extends Exception {
    private static final long serialVersionUID = 1L;

    public RollbackRequested(String reason) {
      super(reason, null, false, false);
    }
  }

  public enum Status {
    COMMITTED,
    ROLLED_BACK,
    FAILED
  }

  /**
   * What happened: the final status, how many attempts were aborted and retried first, and for a
   * failure the SQLSTATE and message of the last error.
   */
  public record Outcome(Status status, int retries, String sqlState, String message) {}

  private final int maxRetries;

  /**
   * @param maxRetries how many aborted attempts to retry before reporting a failure
   */
  public TransactionRunner(int maxRetries) {
    this.maxRetries = maxRetries;
  }

  public Outcome run(Connection connection, Work work) {
    int retries = 0;
    while (true) {
      try {
        work.run(connection);
        connection.commit();
        return new Outcome(Status.COMMITTED, retries, null, null);
      } catch (RollbackRequested e) {
        String state = rollbackQuietly(connection);
        if (state != null) {
          return new Outcome(Status.FAILED, retries, state, "rollback failed");
        }
        return new Outcome(Status.ROLLED_BACK, retries, null, null);
      } catch (SQLException e) {
        String state = SqlStates.of(e);
        rollbackQuietly(connection);
        if (SqlStates.isRetryable(state) && retries < maxRetries) {
          retries++;
          backOff(retries);
          continue;
        }
        return new Outcome(Status.FAILED, retries, state, e.getMessage());
      }
    }
  }

  /**
   * Waits a random time that doubles with each retry (capped at 20 ms) before the next attempt:
   * retrying at once would mostly collide again with the same transactions that just won.
   */
  private static void backOff(int retries) {
    long capMicros = Math.min(20_000L, 200L << Math.min(retries, 10));
    long micros = ThreadLocalRandom.current().nextLong(capMicros / 2, capMicros + 1);
    try {
      Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Rolls back, returning the SQLSTATE if even that failed (the connection is then suspect). */
  private static String rollbackQuietly(Connection connection) {
    try {
      connection.rollback();
      return null;
    } catch (SQLException e) {
      return SqlStates.of(e);
    }
  }
}
