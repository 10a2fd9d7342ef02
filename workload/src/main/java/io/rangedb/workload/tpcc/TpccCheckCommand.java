package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.CommandErrors;
import io.rangedb.workload.common.ConnectionOptions;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code workload tpcc check}: verifies the consistency conditions; exit code 1 on any failure. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description =
        "Check the TPC-C consistency conditions (clause 3.3.2); exits non-zero on a failure.")
public final class TpccCheckCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ConnectionOptions target;

  @Override
  public Integer call() throws Exception {
    return CommandErrors.run(spec.commandLine().getErr(), this::execute);
  }

  private int execute() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<TpccChecker.Result> results = new TpccChecker(target).check();
    boolean failed = false;
    for (TpccChecker.Result r : results) {
      out.printf(
          "%s condition %2d: %s%s%n",
          r.status(), r.number(), r.description(), r.detail().isEmpty() ? "" : " -- " + r.detail());
      failed |= r.status() == TpccChecker.Status.FAIL;
    }
    out.println(failed ? "consistency: FAIL" : "consistency: PASS");
    out.flush();
    return failed ? 1 : 0;
  }
}
