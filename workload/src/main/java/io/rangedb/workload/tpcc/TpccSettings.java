package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.Isolation;
import java.time.Duration;

/**
 * The parameters of one TPC-C run. {@code ramp} is a warm-up before the measured {@code duration}:
 * terminals already work, but nothing they do counts.
 */
public record TpccSettings(
    int warehouses,
    int terminals,
    Duration duration,
    Duration ramp,
    boolean waits,
    Isolation isolation,
    int maxRetries,
    long seed,
    Duration progressInterval) {

  public TpccSettings {
    if (warehouses < 1 || terminals < 1) {
      throw new IllegalArgumentException("need at least one warehouse and one terminal");
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("duration must be positive");
    }
    if (ramp.isNegative()) {
      throw new IllegalArgumentException("ramp must not be negative");
    }
  }
}
