package io.rangedb.rangestore.storage;

import io.rangedb.rangestore.ScratchDirectory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteOptions;

/**
 * What write-ahead log recycling ({@link StoreEngine#WAL_FILES_RECYCLED}) saves per synced write:
 * plain RocksDB with and without it, in alternation in one JVM, each in the steady state (small
 * memtables, so logs switch and, with recycling, reuse old files before the measured writes).
 * Prints p50/p99 latency and CPU (user + system, which holds the fdatasync) per synced 120-byte
 * write, and the ratios.
 *
 * <p>Run: {@code bin/mvn -q -pl range-store exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.rangedb.rangestore.storage.WalRecyclingBenchmark -Dexec.args="[writes
 * (20000)] [rounds (4)]"}
 */
public final class WalRecyclingBenchmark {
  private WalRecyclingBenchmark() {}

  private record Run(double p50Micros, double p99Micros, double cpuMicros) {}

  public static void main(String[] args) throws Exception {
    int writes = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    RocksDB.loadLibrary();
    System.out.println("| round | recycled logs | p50 us | p99 us | CPU us per write |");
    System.out.println("|---|---:|---:|---:|---:|");
    double[] p50Ratio = new double[rounds];
    double[] cpuRatio = new double[rounds];
    for (int round = 1; round <= rounds; round++) {
      // Alternate which goes first: this machine's speed drifts between minutes.
      boolean recycledFirst = round % 2 == 0;
      Run a = measure(recycledFirst ? StoreEngine.WAL_FILES_RECYCLED : 0, writes);
      Run b = measure(recycledFirst ? 0 : StoreEngine.WAL_FILES_RECYCLED, writes);
      Run fresh = recycledFirst ? b : a;
      Run recycled = recycledFirst ? a : b;
      row(round, 0, fresh);
      row(round, StoreEngine.WAL_FILES_RECYCLED, recycled);
      p50Ratio[round - 1] = recycled.p50Micros() / fresh.p50Micros();
      cpuRatio[round - 1] = recycled.cpuMicros() / fresh.cpuMicros();
    }
    System.out.printf(
        Locale.ROOT,
        "recycled / not recycled, median of %d rounds: p50 %.2f, CPU %.2f%n",
        rounds,
        median(p50Ratio),
        median(cpuRatio));
  }

  private static Run measure(int recycled, int writes) throws Exception {
    Path dir = Files.createTempDirectory("wal-recycling");
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    byte[] value = new byte[120];
    long[] latencies = new long[writes];
    try (Options o =
            new Options()
                .setCreateIfMissing(true)
                .setWriteBufferSize(1 << 20)
                .setRecycleLogFileNum(recycled);
        RocksDB db = RocksDB.open(o, dir.toString());
        WriteOptions sync = new WriteOptions().setSync(true)) {
      long cpuStart = 0;
      for (int i = 0; i < 2 * writes; i++) {
        if (i == writes) {
          cpuStart = threads.getCurrentThreadCpuTime();
        }
        long start = System.nanoTime();
        db.put(sync, String.format(Locale.ROOT, "key%012d", i).getBytes(), value);
        if (i >= writes) {
          latencies[i - writes] = System.nanoTime() - start;
        }
      }
      double cpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e3 / writes;
      Arrays.sort(latencies);
      return new Run(latencies[writes / 2] / 1e3, latencies[(int) (writes * 0.99)] / 1e3, cpu);
    } finally {
      ScratchDirectory.delete(dir);
    }
  }

  private static void row(int round, int recycled, Run r) {
    System.out.printf(
        Locale.ROOT,
        "| %d | %d | %.1f | %.1f | %.1f |%n",
        round,
        recycled,
        r.p50Micros(),
        r.p99Micros(),
        r.cpuMicros());
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
