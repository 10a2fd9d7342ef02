package io.rangedb.workload.tpcc;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code workload tpcc}: groups init, run and check. */
@Command(
    name = "tpcc",
    mixinStandardHelpOptions = true,
    description = "A TPC-C-like benchmark: load (init), measure (run), verify (check).",
    subcommands = {
      TpccInitCommand.class,
      TpccRunCommand.class,
      TpccCheckCommand.class,
      CommandLine.HelpCommand.class
    })
public final class TpccCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
