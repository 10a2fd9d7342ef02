package io.rangedb.workload.kv;

import io.rangedb.workload.common.ConnectionOptions;
import io.rangedb.workload.common.OperationMetrics;
import io.rangedb.workload.common.ProgressBar;
import io.rangedb.workload.common.WorkloadMetrics;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Creates (optionally fills) the kv table and drives it with concurrent workers for a while. */
public final class KvWorkload {
  private static final int LOAD_BATCH = 500;

  private final ConnectionOptions target;
  private final KvSettings settings;
  private final PrintWriter out;

  public KvWorkload(ConnectionOptions target, KvSettings settings, PrintWriter out) {
    this.target = target;
    this.settings = settings;
    this.out = out;
  }

  /** Creates the table; with {@code fill}, drops it first and writes every key once. */
  public void prepare(boolean fill) throws SQLException {
    try (Connection c = target.connect()) {
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        for (String sql : KvStatements.create(target.dialect(), fill)) {
          s.execute(sql);
        }
      }
      if (!fill) {
        return;
      }
      c.setAutoCommit(false);
      SplittableRandom random = new SplittableRandom(settings.seed());
      ProgressBar bar = new ProgressBar(out, "filling kv", settings.keys(), false);
      try (PreparedStatement write =
          c.prepareStatement(KvStatements.write(target.dialect(), LOAD_BATCH))) {
        for (long k = 0; k < settings.keys(); k += LOAD_BATCH) {
          int n = (int) Math.min(LOAD_BATCH, settings.keys() - k);
          PreparedStatement ps =
              n == LOAD_BATCH ? write : c.prepareStatement(KvStatements.write(target.dialect(), n));
          for (int i = 0; i < n; i++) {
            byte[] value = new byte[settings.valueBytes()];
            random.nextBytes(value);
            ps.setLong(2 * i + 1, k + i);
            ps.setBytes(2 * i + 2, value);
          }
          ps.executeUpdate();
          if (ps != write) {
            ps.close();
          }
          c.commit();
          bar.advance(n);
          bar.render();
        }
      }
      bar.finish();
    }
  }

  public KvResult run() throws InterruptedException {
    WorkloadMetrics metrics = new WorkloadMetrics(List.of(KvWorker.READ, KvWorker.WRITE));
    long start = System.nanoTime();
    long deadline = start + settings.duration().toNanos();
    SplittableRandom seeds = new SplittableRandom(settings.seed());
    ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    try {
      for (int i = 0; i < settings.concurrency(); i++) {
        workers.execute(new KvWorker(target, settings, seeds.nextLong(), deadline, metrics));
      }
      workers.shutdown();
      long interval = settings.progressInterval().toNanos();
      long nextReport = start + interval;
      long last = 0;
      while (!workers.awaitTermination(waitNanos(nextReport, deadline), TimeUnit.NANOSECONDS)) {
        long now = System.nanoTime();
        if (now >= nextReport && now < deadline) {
          last = progress(metrics, now - start, last, interval);
          nextReport += interval;
        }
        if (now >= deadline + TimeUnit.SECONDS.toNanos(60)) {
          workers.shutdownNow();
        }
      }
    } finally {
      workers.shutdownNow();
    }
    return new KvResult(
        settings,
        target.dialect().name().toLowerCase(Locale.ROOT),
        settings.duration().toNanos() / 1e9,
        metrics.summaries(),
        metrics.errors().snapshot());
  }

  /** Until the next progress line while the run lasts, then short steps while workers finish. */
  private static long waitNanos(long nextReport, long deadline) {
    long now = System.nanoTime();
    return now < deadline
        ? Math.max(1, Math.min(nextReport, deadline) - now)
        : TimeUnit.MILLISECONDS.toNanos(100);
  }

  private long progress(WorkloadMetrics metrics, long elapsedNanos, long last, long interval) {
    long completed = metrics.completed();
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "[%5.0fs] %9.1f ops/s",
                elapsedNanos / 1e9,
                (completed - last) / (interval / 1e9)));
    for (OperationMetrics m : metrics.operations()) {
      Histogram h = m.interval();
      line.append(
          String.format(
              Locale.ROOT,
              "  %s p50 %.2f ms p99 %.2f ms",
              m.name(),
              h.getValueAtPercentile(50) / 1000.0,
              h.getValueAtPercentile(99) / 1000.0));
    }
    line.append("  errors ").append(metrics.errors().total());
    out.println(line);
    out.flush();
    return completed;
  }
}
