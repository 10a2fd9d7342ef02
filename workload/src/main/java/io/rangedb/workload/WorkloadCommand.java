package io.rangedb.workload;

import io.rangedb.workload.kv.KvCommand;
import io.rangedb.workload.tpcc.TpccCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code workload} command tree. It holds no state of its own, so the {@code rangedb} launcher
 * can add an instance as a subcommand and standalone use ({@link WorkloadMain}) sees the same tree.
 */
@Command(
    name = "workload",
    mixinStandardHelpOptions = true,
    description = "Benchmarks over plain JDBC: TPC-C-like and key-value workloads.",
    subcommands = {TpccCommand.class, KvCommand.class, CommandLine.HelpCommand.class})
public final class WorkloadCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    // Without a subcommand there is nothing to run; explain what there is.
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
