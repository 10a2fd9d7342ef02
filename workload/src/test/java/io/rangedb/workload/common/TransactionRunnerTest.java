package io.rangedb.workload.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransactionRunnerTest {

  /** A connection that only records commit and rollback calls, which is all the runner uses. */
  private static Connection recording(List<String> calls) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              calls.add(method.getName());
              return null;
            });
  }

  @Test
  void retriesSerializationFailuresAndDeadlocksThenCommits() {
    List<String> calls = new ArrayList<>();
    int[] attempts = {0};
    TransactionRunner.Outcome outcome =
        new TransactionRunner(5)
            .run(
                recording(calls),
                c -> {
                  attempts[0]++;
                  if (attempts[0] == 1) {
                    throw new SQLException("conflict", SqlStates.SERIALIZATION_FAILURE);
                  }
                  if (attempts[0] == 2) {
                    throw new SQLException("deadlock", SqlStates.DEADLOCK_DETECTED);
                  }
                });
    assertEquals(TransactionRunner.Status.COMMITTED, outcome.status());
    assertEquals(2, outcome.retries());
    assertEquals(List.of("rollback", "rollback", "commit"), calls);
  }

  @Test
  void givesUpAfterTheRetryBudget() {
    List<String> calls = new ArrayList<>();
    TransactionRunner.Outcome outcome =
        new TransactionRunner(2)
            .run(
                recording(calls),
                c -> {
                  throw new SQLException("conflict", SqlStates.SERIALIZATION_FAILURE);
                });
    assertEquals(TransactionRunner.Status.FAILED, outcome.status());
    assertEquals(2, outcome.retries());
    assertEquals("40001", outcome.sqlState());
    assertEquals(List.of("rollback", "rollback", "rollback"), calls);
  }

  @Test
  void doesNotRetryOtherErrors() {
    List<String> calls = new ArrayList<>();
    TransactionRunner.Outcome outcome =
        new TransactionRunner(5)
            .run(
                recording(calls),
                c -> {
                  throw new SQLException("no such table", "42P01");
                });
    assertEquals(TransactionRunner.Status.FAILED, outcome.status());
    assertEquals(0, outcome.retries());
    assertEquals("42P01", outcome.sqlState());
    assertEquals(List.of("rollback"), calls);
  }

  @Test
  void aRequestedRollbackIsAnOutcomeNotAnError() {
    List<String> calls = new ArrayList<>();
    TransactionRunner.Outcome outcome =
        new TransactionRunner(5)
            .run(
                recording(calls),
                c -> {
                  throw new TransactionRunner.RollbackRequested("invalid item");
                });
    assertEquals(TransactionRunner.Status.ROLLED_BACK, outcome.status());
    assertEquals(List.of("rollback"), calls);
  }
}
