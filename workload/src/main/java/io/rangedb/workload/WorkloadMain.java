package io.rangedb.workload;

import picocli.CommandLine;

/** Standalone entry point: {@code java -cp ... io.rangedb.workload.WorkloadMain tpcc run ...}. */
public final class WorkloadMain {
  private WorkloadMain() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new WorkloadCommand()).execute(args));
  }
}
