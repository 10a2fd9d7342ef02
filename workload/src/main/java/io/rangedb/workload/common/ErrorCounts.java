package io.rangedb.workload.common;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Failed operations counted by SQLSTATE; the first message of each state is logged once. */
public final class ErrorCounts {
  private static final Logger log = LoggerFactory.getLogger(ErrorCounts.class);

  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  public void add(String sqlState, String message) {
    boolean[] first = {false};
    counts
        .computeIfAbsent(
            sqlState,
            s -> {
              first[0] = true;
              return new LongAdder();
            })
        .increment();
    if (first[0]) {
      log.warn("first error with SQLSTATE {}: {}", sqlState, message);
    }
  }

  /** A sorted copy, for reports. */
  public Map<String, Long> snapshot() {
    Map<String, Long> m = new TreeMap<>();
    counts.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  public long total() {
    return counts.values().stream().mapToLong(LongAdder::sum).sum();
  }
}
