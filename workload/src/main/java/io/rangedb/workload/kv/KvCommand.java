package io.rangedb.workload.kv;

import io.rangedb.workload.common.CommandErrors;
import io.rangedb.workload.common.ConnectionOptions;
import io.rangedb.workload.common.DurationConverter;
import io.rangedb.workload.common.ReportOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code workload kv}: a read/write mix over one key-value table, for the lower layers. */
@Command(
    name = "kv",
    mixinStandardHelpOptions = true,
    description = "Key-value workload: batched point reads and upserts on table kv(k, v).")
public final class KvCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ConnectionOptions target;

  @Option(
      names = "--keys",
      defaultValue = "100000",
      description = "Key space size (default: ${DEFAULT-VALUE}).")
  long keys;

  @Option(
      names = "--read-percent",
      defaultValue = "95",
      description = "Share of reads, 0-100 (default: ${DEFAULT-VALUE}).")
  int readPercent;

  @Option(
      names = "--distribution",
      defaultValue = "uniform",
      description = "uniform or zipfian (default: ${DEFAULT-VALUE}).",
      converter = DistributionConverter.class)
  KeyGenerator.Distribution distribution;

  @Option(
      names = "--batch-size",
      defaultValue = "1",
      description = "Keys per statement (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--value-bytes",
      defaultValue = "64",
      description = "Bytes per value (default: ${DEFAULT-VALUE}).")
  int valueBytes;

  @Option(
      names = "--concurrency",
      defaultValue = "8",
      description = "Concurrent clients, each with a connection (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--duration",
      defaultValue = "60s",
      converter = DurationConverter.class,
      description = "How long to measure (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--init",
      description = "Drop and recreate the table and write every key once before measuring.")
  boolean init;

  @Option(
      names = "--max-retries",
      defaultValue = "50",
      description = "Retries on 40001/40P01 (default: ${DEFAULT-VALUE}).")
  int maxRetries;

  @Option(
      names = "--seed",
      defaultValue = "7",
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Mixin ReportOptions report;

  /** Accepts the distribution in any case, as users type it. */
  static final class DistributionConverter implements ITypeConverter<KeyGenerator.Distribution> {
    @Override
    public KeyGenerator.Distribution convert(String value) {
      return KeyGenerator.Distribution.valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
  }

  @Override
  public Integer call() throws Exception {
    return CommandErrors.run(spec.commandLine().getErr(), this::execute);
  }

  private int execute() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    KvSettings settings =
        new KvSettings(
            keys,
            readPercent,
            distribution,
            batchSize,
            valueBytes,
            concurrency,
            duration,
            maxRetries,
            seed,
            report.progress());
    KvWorkload workload = new KvWorkload(target, settings, out);
    workload.prepare(init);
    KvResult result = workload.run();
    result.print(out);
    report.writeJson(result.toJson(), out);
    return 0;
  }
}
