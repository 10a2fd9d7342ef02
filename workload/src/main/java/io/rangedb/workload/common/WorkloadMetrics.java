package io.rangedb.workload.common;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics of one run: one {@link OperationMetrics} per operation name, and errors by SQLSTATE.
 */
public final class WorkloadMetrics {
  private final Map<String, OperationMetrics> operations = new LinkedHashMap<>();
  private final ErrorCounts errors = new ErrorCounts();

  public WorkloadMetrics(List<String> operationNames) {
    for (String name : operationNames) {
      operations.put(name, new OperationMetrics(name));
    }
  }

  public OperationMetrics operation(String name) {
    OperationMetrics m = operations.get(name);
    if (m == null) {
      throw new IllegalArgumentException("unknown operation " + name);
    }
    return m;
  }

  public List<OperationMetrics> operations() {
    return List.copyOf(operations.values());
  }

  public ErrorCounts errors() {
    return errors;
  }

  /** Records an outcome, counting a failure's SQLSTATE. */
  public void record(String operation, TransactionRunner.Outcome outcome, long latencyNanos) {
    operation(operation).record(outcome, latencyNanos);
    if (outcome.status() == TransactionRunner.Status.FAILED) {
      errors.add(outcome.sqlState(), outcome.message());
    }
  }

  public long completed() {
    return operations.values().stream().mapToLong(OperationMetrics::completed).sum();
  }

  public long retries() {
    return operations.values().stream().mapToLong(OperationMetrics::retries).sum();
  }

  public List<OperationSummary> summaries() {
    List<OperationSummary> list = new ArrayList<>();
    for (OperationMetrics m : operations.values()) {
      list.add(OperationSummary.of(m));
    }
    return list;
  }
}
