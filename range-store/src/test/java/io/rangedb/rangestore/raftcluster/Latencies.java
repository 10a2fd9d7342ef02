package io.rangedb.rangestore.raftcluster;

import java.util.Arrays;

/** Latency samples in nanoseconds and their percentiles; thread-safe. */
final class Latencies {
  private long[] samples = new long[1024];
  private int count;

  synchronized void record(long nanos) {
    if (count == samples.length) {
      samples = Arrays.copyOf(samples, count * 2);
    }
    samples[count++] = nanos;
  }

  synchronized int count() {
    return count;
  }

  /** How many samples exceed {@code nanos}. */
  synchronized long countOver(long nanos) {
    long n = 0;
    for (int i = 0; i < count; i++) {
      if (samples[i] > nanos) {
        n++;
      }
    }
    return n;
  }

  /** The p-th percentile (0..100) in milliseconds. */
  synchronized double percentileMillis(double p) {
    if (count == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(samples, count);
    Arrays.sort(sorted);
    int i = (int) Math.min(count - 1, Math.max(0, Math.ceil(p / 100.0 * count) - 1));
    return sorted[i] / 1e6;
  }
}
