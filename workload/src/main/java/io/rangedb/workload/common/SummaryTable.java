package io.rangedb.workload.common;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** Prints per-operation results and errors as aligned text, the human half of every report. */
public final class SummaryTable {
  private SummaryTable() {}

  public static void print(PrintWriter out, List<OperationSummary> ops, Map<String, Long> errors) {
    out.printf(
        "%-14s %10s %10s %8s %7s %9s %9s %9s %9s%n",
        "operation",
        "committed",
        "rolledback",
        "retries",
        "errors",
        "p50(ms)",
        "p90(ms)",
        "p99(ms)",
        "max(ms)");
    for (OperationSummary s : ops) {
      out.printf(
          "%-14s %10d %10d %8d %7d %9.1f %9.1f %9.1f %9.1f%n",
          s.name(),
          s.committed(),
          s.rolledBack(),
          s.retries(),
          s.failed(),
          s.p50Ms(),
          s.p90Ms(),
          s.p99Ms(),
          s.maxMs());
    }
    if (errors.isEmpty()) {
      out.println("errors by SQLSTATE: none");
    } else {
      StringBuilder line = new StringBuilder("errors by SQLSTATE:");
      errors.forEach((state, n) -> line.append(' ').append(state).append('=').append(n));
      out.println(line);
    }
  }
}
