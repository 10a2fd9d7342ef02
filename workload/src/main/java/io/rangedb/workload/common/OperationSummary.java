package io.rangedb.workload.common;

import org.HdrHistogram.Histogram;

/** The end-of-run figures of one operation type; latencies in milliseconds. */
public record OperationSummary(
    String name,
    long committed,
    long rolledBack,
    long retries,
    long failed,
    double p50Ms,
    double p90Ms,
    double p99Ms,
    double maxMs) {

  public static OperationSummary of(OperationMetrics m) {
    Histogram h = m.total();
    return new OperationSummary(
        m.name(),
        m.committed(),
        m.rolledBack(),
        m.retries(),
        m.failed(),
        millis(h, 50),
        millis(h, 90),
        millis(h, 99),
        h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1000.0);
  }

  private static double millis(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
  }

  public long completed() {
    return committed + rolledBack;
  }

  public void writeJson(JsonWriter json) {
    json.beginObject()
        .field("name", name)
        .field("committed", committed)
        .field("rolled_back", rolledBack)
        .field("retries", retries)
        .field("failed", failed)
        .field("p50_ms", p50Ms)
        .field("p90_ms", p90Ms)
        .field("p99_ms", p99Ms)
        .field("max_ms", maxMs)
        .endObject();
  }
}
