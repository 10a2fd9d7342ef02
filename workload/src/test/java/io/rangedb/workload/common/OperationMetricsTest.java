package io.rangedb.workload.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperationMetricsTest {

  private static TransactionRunner.Outcome committed(int retries) {
    return new TransactionRunner.Outcome(TransactionRunner.Status.COMMITTED, retries, null, null);
  }

  @Test
  void countsOutcomesAndSummarizesLatencies() {
    WorkloadMetrics metrics = new WorkloadMetrics(List.of("a", "b"));
    for (int ms = 1; ms <= 100; ms++) {
      metrics.record("a", committed(ms == 100 ? 3 : 0), ms * 1_000_000L);
    }
    metrics.record(
        "a",
        new TransactionRunner.Outcome(TransactionRunner.Status.ROLLED_BACK, 0, null, null),
        1_000_000L);
    metrics.record(
        "b",
        new TransactionRunner.Outcome(TransactionRunner.Status.FAILED, 50, "40001", "x"),
        9_000_000_000L);
    metrics.record(
        "b", new TransactionRunner.Outcome(TransactionRunner.Status.FAILED, 0, "57014", "y"), 1L);

    OperationSummary a = metrics.summaries().get(0);
    assertEquals("a", a.name());
    assertEquals(100, a.committed());
    assertEquals(1, a.rolledBack());
    assertEquals(101, a.completed());
    assertEquals(3, a.retries());
    assertEquals(50.0, a.p50Ms(), 0.1);
    assertEquals(90.0, a.p90Ms(), 0.1);
    assertEquals(99.0, a.p99Ms(), 0.1);
    assertEquals(100.0, a.maxMs(), 0.1);

    OperationSummary b = metrics.summaries().get(1);
    assertEquals(2, b.failed());
    assertEquals(0, b.completed());
    assertEquals(0.0, b.maxMs(), "failures stay out of the latency distribution");
    assertEquals(Map.of("40001", 1L, "57014", 1L), metrics.errors().snapshot());
    assertEquals(53, metrics.retries());
  }
}
