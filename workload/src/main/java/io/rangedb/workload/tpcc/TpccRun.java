package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.ConnectionOptions;
import io.rangedb.workload.common.OperationMetrics;
import io.rangedb.workload.common.WorkloadMetrics;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a run: starts one virtual thread per terminal (each blocks on its own connection, so
 * threads cost nothing while the database works), prints progress every interval, and gathers the
 * result when the duration is over.
 */
public final class TpccRun {
  private static final Logger log = LoggerFactory.getLogger(TpccRun.class);

  private final ConnectionOptions target;
  private final TpccSettings settings;
  private final PrintWriter out;

  public TpccRun(ConnectionOptions target, TpccSettings settings, PrintWriter out) {
    this.target = target;
    this.settings = settings;
    this.out = out;
  }

  public TpccResult run() throws SQLException, InterruptedException {
    // Fail fast, before any terminal starts, if the database is unreachable or not loaded.
    TpccDatabase.requireLoaded(target, settings.warehouses());
    List<String> names =
        Arrays.stream(TransactionType.values()).map(TransactionType::label).toList();
    WorkloadMetrics metrics = new WorkloadMetrics(names);
    long start = System.nanoTime();
    long measureFrom = start + settings.ramp().toNanos();
    long deadline = measureFrom + settings.duration().toNanos();
    SplittableRandom seeds = new SplittableRandom(settings.seed());
    ExecutorService terminals = Executors.newVirtualThreadPerTaskExecutor();
    try {
      for (int i = 0; i < settings.terminals(); i++) {
        int w = i % settings.warehouses() + 1;
        int d = (i / settings.warehouses()) % TpccScale.DISTRICTS_PER_WAREHOUSE + 1;
        terminals.execute(
            new Terminal(
                i,
                new TerminalContext(w, d, settings.warehouses()),
                target,
                settings.isolation(),
                settings.waits(),
                settings.maxRetries(),
                seeds.nextLong(),
                measureFrom,
                deadline,
                metrics));
      }
      terminals.shutdown();
      long interval = settings.progressInterval().toNanos();
      long lastCompleted = 0;
      long nextReport = start + interval;
      while (!terminals.awaitTermination(waitNanos(nextReport, deadline), TimeUnit.NANOSECONDS)) {
        long now = System.nanoTime();
        if (now >= nextReport && now < deadline) {
          lastCompleted =
              progress(metrics, now - start, now < measureFrom, lastCompleted, interval);
          nextReport += interval;
        }
        if (now >= deadline + TimeUnit.SECONDS.toNanos(60)) {
          log.warn("terminals still busy 60 s after the end of the run; interrupting them");
          terminals.shutdownNow();
        }
      }
    } finally {
      terminals.shutdownNow();
    }
    double elapsed = settings.duration().toNanos() / 1e9;
    return new TpccResult(
        settings,
        target.dialect().name().toLowerCase(Locale.ROOT),
        elapsed,
        metrics.summaries(),
        metrics.errors().snapshot());
  }

  /**
   * How long to wait for the terminals before looking again: until the next progress line while the
   * run lasts, then in short steps while the last transactions finish.
   */
  private static long waitNanos(long nextReport, long deadline) {
    long now = System.nanoTime();
    if (now < deadline) {
      return Math.max(1, Math.min(nextReport, deadline) - now);
    }
    return TimeUnit.MILLISECONDS.toNanos(100);
  }

  /**
   * One progress line: rates over the last interval, New-Order latency, retries and errors so far.
   * During the warm-up nothing is recorded, so its lines say so instead of showing zeros as
   * results.
   */
  private long progress(
      WorkloadMetrics metrics,
      long elapsedNanos,
      boolean warmingUp,
      long lastCompleted,
      long interval) {
    if (warmingUp) {
      out.printf(Locale.ROOT, "[%5.0fs] warming up%n", elapsedNanos / 1e9);
      out.flush();
      return lastCompleted;
    }
    long completed = metrics.completed();
    OperationMetrics newOrder = metrics.operation(TransactionType.NEW_ORDER.label());
    Histogram h = newOrder.interval();
    for (OperationMetrics m : metrics.operations()) {
      if (m != newOrder) {
        m.interval(); // keep every interval histogram drained into its total
      }
    }
    double seconds = interval / 1e9;
    out.printf(
        Locale.ROOT,
        "[%5.0fs] %8.1f txn/s  new-order %7.1f/min  p50 %6.1f ms  p99 %7.1f ms  retries %d  errors %d%n",
        elapsedNanos / 1e9,
        (completed - lastCompleted) / seconds,
        h.getTotalCount() * 60.0 / seconds,
        h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0,
        metrics.retries(),
        metrics.errors().total());
    out.flush();
    return completed;
  }
}
