package io.rangedb.workload.kv;

import io.rangedb.workload.common.ConnectionOptions;
import io.rangedb.workload.common.SqlStates;
import io.rangedb.workload.common.TransactionRunner;
import io.rangedb.workload.common.WorkloadMetrics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * One kv client: its own connection, issuing batched reads or upserts until the deadline. A batch's
 * keys are distinct and sorted, so concurrent writers lock rows in one order and cannot deadlock.
 */
final class KvWorker implements Runnable {
  static final String READ = "read";
  static final String WRITE = "write";

  private final ConnectionOptions target;
  private final KvSettings settings;
  private final long deadlineNanos;
  private final WorkloadMetrics metrics;
  private final SplittableRandom random;
  private final KeyGenerator keys;
  private final TransactionRunner runner;

  KvWorker(
      ConnectionOptions target,
      KvSettings settings,
      long seed,
      long deadlineNanos,
      WorkloadMetrics metrics) {
    this.target = target;
    this.settings = settings;
    this.deadlineNanos = deadlineNanos;
    this.metrics = metrics;
    this.random = new SplittableRandom(seed);
    this.keys = settings.distribution().create(settings.keys(), random.split());
    this.runner = new TransactionRunner(settings.maxRetries());
  }

  @Override
  public void run() {
    try (Connection c = target.connect();
        PreparedStatement read = c.prepareStatement(KvStatements.read(settings.batchSize()));
        PreparedStatement write =
            c.prepareStatement(KvStatements.write(target.dialect(), settings.batchSize()))) {
      while (System.nanoTime() < deadlineNanos && !Thread.currentThread().isInterrupted()) {
        long[] batch = distinctSortedKeys();
        boolean isRead = random.nextInt(100) < settings.readPercent();
        long start = System.nanoTime();
        TransactionRunner.Outcome outcome =
            runner.run(
                c,
                conn -> {
                  if (isRead) {
                    read(read, batch);
                  } else {
                    write(write, batch);
                  }
                });
        long end = System.nanoTime();
        if (end <= deadlineNanos) {
          metrics.record(isRead ? READ : WRITE, outcome, end - start);
        }
        if (outcome.status() == TransactionRunner.Status.FAILED
            && SqlStates.isConnectionLost(outcome.sqlState())) {
          return; // the run reports the error; a kv client does not outlive its connection
        }
      }
    } catch (SQLException e) {
      metrics.errors().add(SqlStates.of(e), "kv worker: " + e.getMessage());
    } catch (RuntimeException e) {
      // A bug, not a database answer: count it where the report shows it.
      metrics.errors().add("internal", e.toString());
    }
  }

  private long[] distinctSortedKeys() {
    TreeSet<Long> set = new TreeSet<>();
    while (set.size() < settings.batchSize()) {
      set.add(keys.next());
    }
    return set.stream().mapToLong(Long::longValue).toArray();
  }

  private static void read(PreparedStatement read, long[] batch) throws SQLException {
    for (int i = 0; i < batch.length; i++) {
      read.setLong(i + 1, batch[i]);
    }
    try (ResultSet rs = read.executeQuery()) {
      while (rs.next()) {
        rs.getBytes(2);
      }
    }
  }

  private void write(PreparedStatement write, long[] batch) throws SQLException {
    for (int i = 0; i < batch.length; i++) {
      byte[] value = new byte[settings.valueBytes()];
      random.nextBytes(value);
      write.setLong(2 * i + 1, batch[i]);
      write.setBytes(2 * i + 2, value);
    }
    write.executeUpdate();
  }
}
