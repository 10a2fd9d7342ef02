package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.JsonWriter;
import io.rangedb.workload.common.OperationSummary;
import io.rangedb.workload.common.SummaryTable;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a run. tpmC counts New-Orders completed per minute, including the 1% that roll
 * back by design (they are part of the business mix, clause 5.4.2); failed ones do not count.
 */
public record TpccResult(
    TpccSettings settings,
    String database,
    double elapsedSeconds,
    List<OperationSummary> operations,
    Map<String, Long> errors) {

  public OperationSummary operation(TransactionType type) {
    return operations.stream().filter(o -> o.name().equals(type.label())).findFirst().orElseThrow();
  }

  public double tpmC() {
    return operation(TransactionType.NEW_ORDER).completed() * 60.0 / elapsedSeconds;
  }

  /**
   * tpmC as a share of the most ten waiting terminals per warehouse can produce; meaningful only
   * with keying and think times, NaN otherwise.
   */
  public double efficiencyPercent() {
    if (!settings.waits()) {
      return Double.NaN;
    }
    return 100.0 * tpmC() / (TpccScale.MAX_TPMC_PER_WAREHOUSE * settings.warehouses());
  }

  public long retries() {
    return operations.stream().mapToLong(OperationSummary::retries).sum();
  }

  public void print(PrintWriter out) {
    out.printf(
        Locale.ROOT,
        "TPC-C on %s: %d warehouse(s), %d terminal(s), %.0f s measured after %.0f s warm-up, %s,"
            + " waits %s%n",
        database,
        settings.warehouses(),
        settings.terminals(),
        elapsedSeconds,
        settings.ramp().toMillis() / 1000.0,
        settings.isolation(),
        settings.waits() ? "on" : "off");
    SummaryTable.print(out, operations, errors);
    out.printf(Locale.ROOT, "retries (40001/40P01, not errors): %d%n", retries());
    out.printf(Locale.ROOT, "tpmC: %.1f%n", tpmC());
    if (settings.waits()) {
      out.printf(
          Locale.ROOT,
          "efficiency: %.1f%% of %.2f per warehouse%n",
          efficiencyPercent(),
          TpccScale.MAX_TPMC_PER_WAREHOUSE);
    } else {
      out.println("efficiency: n/a (keying and think times off; --wait turns them on)");
    }
    out.flush();
  }

  public String toJson() {
    JsonWriter json = new JsonWriter().beginObject();
    json.field("workload", "tpcc")
        .field("database", database)
        .field("warehouses", settings.warehouses())
        .field("terminals", settings.terminals())
        .field("duration_s", elapsedSeconds)
        .field("ramp_s", settings.ramp().toMillis() / 1000.0)
        .field("max_retries", settings.maxRetries())
        .field("seed", settings.seed())
        .field("isolation", settings.isolation().name())
        .field("wait", settings.waits())
        .field("tpmC", tpmC());
    if (settings.waits()) {
      json.field("efficiency_percent", efficiencyPercent());
    } else {
      json.name("efficiency_percent").value((String) null);
    }
    json.field("retries", retries());
    json.name("transactions").beginArray();
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
