package io.rangedb.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RangedbCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = RangedbCommand.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void versionPrintsTheBuiltVersion() {
    assertEquals(0, run("--version"));
    String expected = BuildInfo.load().version();
    assertTrue(expected.matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), expected);
    assertTrue(out.toString().startsWith("rangedb " + expected + "\n"), out.toString());
  }

  @Test
  void helpDescribesTheCommand() {
    assertEquals(0, run("--help"));
    assertTrue(out.toString().contains("Usage: rangedb"), out.toString());
    assertTrue(out.toString().contains("--version"), out.toString());
  }

  @Test
  void workloadCommandsAreReachableFromTheLauncher() {
    assertEquals(0, run("workload", "tpcc", "run", "--help"));
    assertTrue(out.toString().contains("--warehouses"), out.toString());
    assertTrue(out.toString().contains("--terminals"), out.toString());
  }

  @Test
  void workloadWithoutUrlFailsWithUsage() {
    assertNotEquals(0, run("workload", "tpcc", "check"));
    assertTrue(err.toString().contains("--url"), err.toString());
  }

  @Test
  void unknownOptionFailsWithUsageOnStderr() {
    assertNotEquals(0, run("--no-such-flag"));
    assertTrue(err.toString().contains("Unknown option: '--no-such-flag'"), err.toString());
  }
}
