package io.rangedb.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class WorkloadCommandTest {

  /** Stands in for the rangedb launcher, which adds workload as one of its subcommands. */
  @Command(name = "launcher")
  static final class Launcher implements Runnable {
    @Override
    public void run() {}
  }

  private record Result(int code, String out, String err) {}

  private static Result launch(String... args) {
    CommandLine cli = new CommandLine(new Launcher()).addSubcommand(new WorkloadCommand());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void mountsUnderAnotherCommandWithItsWholeTree() {
    Result r = launch("workload");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("tpcc") && r.out().contains("kv"), r.out());
    Result tpcc = launch("workload", "tpcc");
    assertTrue(
        tpcc.out().contains("init") && tpcc.out().contains("run") && tpcc.out().contains("check"),
        tpcc.out());
  }

  @Test
  void runHelpListsTheOptionsOfTheIssue() {
    Result r = launch("workload", "tpcc", "run", "--help");
    assertEquals(0, r.code());
    for (String option :
        new String[] {
          "--warehouses",
          "--terminals",
          "--duration",
          "--url",
          "--wait",
          "--json",
          "--isolation",
          "--ramp"
        }) {
      assertTrue(r.out().contains(option), option + " missing:\n" + r.out());
    }
    Result kv = launch("workload", "kv", "--help");
    for (String option :
        new String[] {
          "--read-percent",
          "--distribution",
          "--batch-size",
          "--keys",
          "--duration",
          "--concurrency"
        }) {
      assertTrue(kv.out().contains(option), option + " missing:\n" + kv.out());
    }
  }

  @Test
  void missingUrlAndBadValuesAreUsageErrors() {
    Result noUrl = launch("workload", "tpcc", "check");
    assertEquals(2, noUrl.code());
    assertTrue(noUrl.err().contains("--url"), noUrl.err());
    Result badIsolation =
        launch(
            "workload",
            "tpcc",
            "run",
            "--url",
            "jdbc:postgresql://127.0.0.1:1/x",
            "--isolation",
            "CHAOS");
    assertEquals(2, badIsolation.code());
    assertTrue(badIsolation.err().contains("SERIALIZABLE"), badIsolation.err());
    Result badDistribution =
        launch(
            "workload",
            "kv",
            "--url",
            "jdbc:postgresql://127.0.0.1:1/x",
            "--distribution",
            "normal");
    assertEquals(2, badDistribution.code());
  }

  @Test
  void anUnreachableDatabaseIsOneLineAndExitCodeOne() {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    Result r = launch("workload", "tpcc", "check", "--url", "jdbc:postgresql://127.0.0.1:1/x");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("error: ") && r.err().contains("SQLSTATE 08001"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  @Test
  void parametersThatCannotWorkAreRejectedBeforeConnecting() {
    Result r =
        launch(
            "workload",
            "kv",
            "--url",
            "jdbc:postgresql://127.0.0.1:1/x",
            "--keys",
            "10",
            "--batch-size",
            "20");
    assertEquals(2, r.code());
    assertEquals("error: --batch-size cannot exceed --keys", r.err().strip());
  }
}
