package io.rangedb.rangestore.raftcluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of this process's threads by kind (host loops, syncers, gRPC, RocksDB's own threads, the
 * rest), read from Linux's per-thread accounting, so that the Raft benchmark can say where a
 * commit's CPU goes without attaching a profiler. RocksDB's flush and compaction threads are native
 * and invisible to the JVM's thread MXBean, hence /proc. Elsewhere than Linux it reports nothing.
 */
final class ThreadCpu {
  /** Kinds in print order; a thread counts in the first whose name prefix it has. */
  private static final Map<String, String> KINDS = new LinkedHashMap<>();

  static {
    KINDS.put("raft-loop", "loops");
    KINDS.put("raft-sync", "syncers");
    KINDS.put("grpc-", "gRPC");
    KINDS.put("rocksdb:", "RocksDB");
  }

  /** Linux's clock ticks per second in /proc (USER_HZ), 100 on every common build. */
  private static final long TICKS_PER_SECOND = 100;

  private ThreadCpu() {}

  /** CPU time of the whole process so far, in nanoseconds. */
  static long processNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** CPU ticks so far by kind, "other" for threads of no listed kind; empty where /proc is not. */
  static Map<String, Long> snapshot() {
    Map<String, Long> ticks = new LinkedHashMap<>();
    KINDS.values().forEach(k -> ticks.put(k, 0L));
    ticks.put("other", 0L);
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return Map.of();
    }
    try (Stream<Path> threads = Files.list(tasks)) {
      threads.forEach(t -> addThread(t.resolve("stat"), ticks));
    } catch (IOException e) {
      return Map.of();
    }
    return ticks;
  }

  /**
   * The CPU between two snapshots, per commit and as shares of the whole, e.g. {@code loops 27.1 µs
   * (55%)}.
   */
  static String perCommit(Map<String, Long> before, Map<String, Long> after, long commits) {
    if (before.isEmpty() || after.isEmpty() || commits == 0) {
      return "(no per-thread CPU on this OS)";
    }
    long total = 0;
    for (String kind : after.keySet()) {
      total += after.get(kind) - before.getOrDefault(kind, 0L);
    }
    StringBuilder out = new StringBuilder();
    for (String kind : after.keySet()) {
      long t = after.get(kind) - before.getOrDefault(kind, 0L);
      double micros = t * 1e6 / TICKS_PER_SECOND / commits;
      out.append(
          String.format(
              java.util.Locale.ROOT,
              "%s%s %.1f µs (%.0f%%)",
              out.length() == 0 ? "" : ", ",
              kind,
              micros,
              total == 0 ? 0.0 : 100.0 * t / total));
    }
    return out.toString();
  }

  private static void addThread(Path stat, Map<String, Long> ticks) {
    String line;
    try {
      line = Files.readString(stat);
    } catch (IOException gone) {
      return; // the thread ended while we listed them
    }
    int open = line.indexOf('(');
    int close = line.lastIndexOf(')');
    if (open < 0 || close < open) {
      return;
    }
    String name = line.substring(open + 1, close);
    // After the name: state is field 3, utime field 14 and stime field 15 of the whole line.
    String[] fields = line.substring(close + 2).split(" ");
    if (fields.length < 13) {
      return;
    }
    long used = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    String kind = "other";
    for (Map.Entry<String, String> k : KINDS.entrySet()) {
      if (name.startsWith(k.getKey())) {
        kind = k.getValue();
        break;
      }
    }
    ticks.merge(kind, used, Long::sum);
  }
}
