package io.rangedb.workload.common;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters and a latency histogram for one kind of operation (a TPC-C transaction type, a kv read).
 * Workers record concurrently without locks; one reporter thread reads interval snapshots and keeps
 * the cumulative histogram.
 */
public final class OperationMetrics {
  private final String name;
  private final Recorder recorder = new Recorder(3);
  private final Histogram total = new Histogram(3);
  private final LongAdder committed = new LongAdder();
  private final LongAdder rolledBack = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder failed = new LongAdder();

  public OperationMetrics(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** Records one finished operation: its outcome and its latency including any retries. */
  public void record(TransactionRunner.Outcome outcome, long latencyNanos) {
    retries.add(outcome.retries());
    switch (outcome.status()) {
      case COMMITTED -> committed.increment();
      case ROLLED_BACK -> rolledBack.increment();
      case FAILED -> failed.increment();
    }
    // A failed operation's latency would mix timeouts into the distribution users read as service
    // time; failures are reported by count and SQLSTATE instead.
    if (outcome.status() != TransactionRunner.Status.FAILED) {
      recorder.recordValue(Math.max(1, TimeUnit.NANOSECONDS.toMicros(latencyNanos)));
    }
  }

  /** Committed plus intentionally rolled back: the operations that completed as designed. */
  public long completed() {
    return committed.sum() + rolledBack.sum();
  }

  public long committed() {
    return committed.sum();
  }

  public long rolledBack() {
    return rolledBack.sum();
  }

  public long retries() {
    return retries.sum();
  }

  public long failed() {
    return failed.sum();
  }

  /**
   * Latencies (microseconds) recorded since the previous call, which are also folded into the
   * cumulative histogram. Call from one thread only.
   */
  public synchronized Histogram interval() {
    Histogram h = recorder.getIntervalHistogram();
    total.add(h);
    return h;
  }

  /** All latencies (microseconds) recorded so far. */
  public synchronized Histogram total() {
    interval();
    return total.copy();
  }
}
