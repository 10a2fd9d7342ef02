package io.rangedb.workload.common;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How a measuring command reports: live progress lines, and the final result as JSON. */
public final class ReportOptions {

  @Option(
      names = "--progress",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "Interval between progress lines (default: ${DEFAULT-VALUE}).")
  Duration progress;

  @Option(names = "--json", description = "Also write the result to this file as JSON.")
  Path json;

  public Duration progress() {
    return progress;
  }

  /** Writes {@code resultJson} to the {@code --json} file, if one was given. */
  public void writeJson(String resultJson, PrintWriter out) throws IOException {
    if (json != null) {
      Files.writeString(json, resultJson + "\n", StandardCharsets.UTF_8);
      out.printf("wrote %s%n", json);
      out.flush();
    }
  }
}
