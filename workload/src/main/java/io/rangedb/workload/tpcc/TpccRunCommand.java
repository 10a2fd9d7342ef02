package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.CommandErrors;
import io.rangedb.workload.common.ConnectionOptions;
import io.rangedb.workload.common.DurationConverter;
import io.rangedb.workload.common.Isolation;
import io.rangedb.workload.common.ReportOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code workload tpcc run}: measures the five-transaction mix for a while and reports. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run the TPC-C mix against a loaded database and report tpmC and latencies.")
public final class TpccRunCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ConnectionOptions target;

  @Option(names = "--warehouses", description = "Warehouses to drive (default: all loaded ones).")
  Integer warehouses;

  @Option(
      names = "--terminals",
      description =
          "Concurrent terminals, each with its own connection (default: 10 per warehouse).")
  Integer terminals;

  @Option(
      names = "--duration",
      defaultValue = "60s",
      converter = DurationConverter.class,
      description = "How long to measure, e.g. 60s, 5m (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--ramp",
      defaultValue = "0s",
      converter = DurationConverter.class,
      description =
          "Warm-up before the measured duration; its transactions do not count (default: ${DEFAULT-VALUE}).")
  Duration ramp;

  @Option(
      names = "--wait",
      description =
          "Wait keying and think times as the spec's terminals do (tpmC then caps at 12.86 per warehouse).")
  boolean wait;

  @Option(
      names = "--isolation",
      defaultValue = "SERIALIZABLE",
      converter = Isolation.Converter.class,
      description = "SERIALIZABLE or REPEATABLE_READ (default: ${DEFAULT-VALUE}).")
  Isolation isolation;

  @Option(
      names = "--max-retries",
      defaultValue = "50",
      description =
          "Retries of a transaction aborted with 40001/40P01 before it counts as an error (default: ${DEFAULT-VALUE}).")
  int maxRetries;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Random seed of the terminals (default: ${DEFAULT-VALUE}).")
  long seed;

  @Mixin ReportOptions report;

  @Override
  public Integer call() throws Exception {
    return CommandErrors.run(spec.commandLine().getErr(), this::execute);
  }

  private int execute() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    int w = warehouses != null ? warehouses : TpccDatabase.warehouses(target);
    if (w < 1) {
      throw new IllegalStateException("no warehouses loaded; run 'workload tpcc init' first");
    }
    int t = terminals != null ? terminals : 10 * w;
    TpccSettings settings =
        new TpccSettings(
            w, t, duration, ramp, wait, isolation, maxRetries, seed, report.progress());
    TpccResult result = new TpccRun(target, settings, out).run();
    result.print(out);
    report.writeJson(result.toJson(), out);
    return 0;
  }
}
