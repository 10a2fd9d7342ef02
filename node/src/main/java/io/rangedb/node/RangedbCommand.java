package io.rangedb.node;

import io.rangedb.workload.WorkloadCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top of the {@code rangedb} command tree; subcommands are added as their layers land. */
@Command(
    name = "rangedb",
    mixinStandardHelpOptions = true,
    versionProvider = RangedbCommand.Version.class,
    description = "rangedb: a distributed SQL database.",
    subcommands = {WorkloadCommand.class, CommandLine.HelpCommand.class})
public final class RangedbCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    // Bare `rangedb` has nothing to do yet but explain itself.
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reads the version from the build, so it is never out of date. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return BuildInfo.load().versionLines();
    }
  }

  /** Builds the command line with every subcommand the node offers. */
  public static CommandLine commandLine() {
    return new CommandLine(new RangedbCommand());
  }
}
