package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.CommandErrors;
import io.rangedb.workload.common.ConnectionOptions;
import io.rangedb.workload.common.ProgressBar;
import java.io.PrintWriter;
import java.sql.Timestamp;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code workload tpcc init}: (re)creates the tables and loads the initial population. */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description = "Drop and create the nine TPC-C tables, then load N warehouses in parallel.")
public final class TpccInitCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ConnectionOptions target;

  @Option(
      names = "--warehouses",
      defaultValue = "1",
      description = "Warehouses to load (default: ${DEFAULT-VALUE}).")
  int warehouses;

  @Option(
      names = "--loaders",
      description = "Parallel loading connections (default: number of processors).")
  Integer loaders;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Random seed of the data (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    return CommandErrors.run(spec.commandLine().getErr(), this::execute);
  }

  private int execute() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    int parallel = loaders != null ? loaders : Runtime.getRuntime().availableProcessors();
    if (warehouses < 1 || parallel < 1) {
      throw new IllegalArgumentException("--warehouses and --loaders must be at least 1");
    }
    TpccLoader loader =
        new TpccLoader(
            target, warehouses, parallel, seed, new Timestamp(System.currentTimeMillis()));
    long start = System.nanoTime();
    out.printf("creating the TPC-C schema on %s%n", target.url());
    loader.createSchema();
    ProgressBar bar =
        new ProgressBar(out, "loading", loader.expectedRows(), System.console() != null);
    loader.load(bar);
    out.printf(
        Locale.ROOT,
        "loaded %d warehouse(s), %d rows, in %.1f s with %d loader(s)%n",
        warehouses,
        bar.done(),
        (System.nanoTime() - start) / 1e9,
        parallel);
    out.flush();
    return 0;
  }
}
