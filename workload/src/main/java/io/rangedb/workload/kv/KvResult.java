package io.rangedb.workload.kv;

import io.rangedb.workload.common.JsonWriter;
import io.rangedb.workload.common.OperationSummary;
import io.rangedb.workload.common.SummaryTable;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The outcome of a kv run. */
public record KvResult(
    KvSettings settings,
    String database,
    double elapsedSeconds,
    List<OperationSummary> operations,
    Map<String, Long> errors) {

  public long completed() {
    return operations.stream().mapToLong(OperationSummary::completed).sum();
  }

  public double opsPerSecond() {
    return completed() / elapsedSeconds;
  }

  public void print(PrintWriter out) {
    out.printf(
        Locale.ROOT,
        "kv on %s: %d keys %s, %d%% reads, batch %d, %d clients, %.0f s%n",
        database,
        settings.keys(),
        settings.distribution().name().toLowerCase(Locale.ROOT),
        settings.readPercent(),
        settings.batchSize(),
        settings.concurrency(),
        elapsedSeconds);
    SummaryTable.print(out, operations, errors);
    out.printf(
        Locale.ROOT,
        "throughput: %.1f statements/s (%.1f keys/s)%n",
        opsPerSecond(),
        opsPerSecond() * settings.batchSize());
    out.flush();
  }

  public String toJson() {
    JsonWriter json = new JsonWriter().beginObject();
    json.field("workload", "kv")
        .field("database", database)
        .field("keys", settings.keys())
        .field("distribution", settings.distribution().name().toLowerCase(Locale.ROOT))
        .field("read_percent", settings.readPercent())
        .field("batch_size", settings.batchSize())
        .field("concurrency", settings.concurrency())
        .field("duration_s", elapsedSeconds)
        .field("ops_per_s", opsPerSecond());
    json.name("operations").beginArray();
    for (OperationSummary s : operations) {
      s.writeJson(json);
    }
    json.endArray();
    json.name("errors").beginObject();
    errors.forEach(json::field);
    json.endObject();
    return json.endObject().toString();
  }
}
