package io.rangedb.workload.kv;

import java.time.Duration;

/** The parameters of one kv run. */
public record KvSettings(
    long keys,
    int readPercent,
    KeyGenerator.Distribution distribution,
    int batchSize,
    int valueBytes,
    int concurrency,
    Duration duration,
    int maxRetries,
    long seed,
    Duration progressInterval) {

  public KvSettings {
    if (keys < 2 || batchSize < 1 || concurrency < 1 || valueBytes < 0) {
      throw new IllegalArgumentException(
          "need --keys >= 2, --batch-size >= 1, --concurrency >= 1, --value-bytes >= 0");
    }
    if (readPercent < 0 || readPercent > 100) {
      throw new IllegalArgumentException("--read-percent must be in [0, 100]");
    }
    if (batchSize > keys) {
      throw new IllegalArgumentException("--batch-size cannot exceed --keys");
    }
  }
}
