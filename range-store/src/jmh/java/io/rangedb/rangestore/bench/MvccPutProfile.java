package io.rangedb.rangestore.bench;

import io.rangedb.rangestore.mvcc.MvccStats;
import io.rangedb.rangestore.mvcc.MvccStore;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import io.rangedb.txn.hlc.Timestamp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The puts of {@link MvccVsRawInterleaved} alone, for a CPU profiler: raw puts run on a thread
 * named "rawput" and MVCC puts on one named "mvccput", alternating 20,000 at a time (35 rounds), so
 * that {@code perf record} samples can be told apart by thread name ({@code perf script -F
 * comm,sym}). Same store, keys and values as the interleaved benchmark. Prints the mean time per
 * put of each side. Run with the classpath of {@code bin/mvn -B -pl range-store -Pjmh test-compile
 * exec:exec -Djmh.main=io.rangedb.rangestore.bench.MvccPutProfile -Djmh.args=}.
 */
public final class MvccPutProfile {
  private static final int KEYS = InterleavedStore.KEYS;
  private static final int ROUNDS = 35;
  private static final int PUTS = 20_000;

  private MvccPutProfile() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("rangedb-putprofile");
    InterleavedStore data = new InterleavedStore();
    byte[][] rawPutKeys = data.rawPutKeys;
    byte[][] mvPutKeys = data.mvPutKeys;
    byte[] value = data.value;
    ExecutorService rawThread = Executors.newSingleThreadExecutor(r -> daemon(r, "rawput"));
    ExecutorService mvccThread = Executors.newSingleThreadExecutor(r -> daemon(r, "mvccput"));
    try (StoreEngine engine = StoreEngine.open(StoreOptions.onDisk(dir.resolve("store")))) {
      MvccStore mvcc = new MvccStore(engine, false);
      MvccStats stats = new MvccStats();
      data.load(engine, mvcc, stats);
      long[] clock = {data.clock};
      SplittableRandom r = new SplittableRandom(42);
      Callable<Long> rawPuts =
          () ->
              time(
                  () -> {
                    try (EngineBatch b = engine.newBatch()) {
                      b.put(ColumnFamily.MVCC, rawPutKeys[r.nextInt(KEYS)], value);
                      engine.write(b, false);
                    }
                  });
      Callable<Long> mvccPuts =
          () ->
              time(
                  () ->
                      mvcc.put(
                          mvPutKeys[r.nextInt(KEYS)], Timestamp.ofWall(++clock[0]), value, stats));
      long rawNanos = 0;
      long mvccNanos = 0;
      for (int round = 0; round < ROUNDS; round++) {
        rawNanos += rawThread.submit(rawPuts).get();
        mvccNanos += mvccThread.submit(mvccPuts).get();
      }
      double n = (double) ROUNDS * PUTS;
      System.out.printf(
          "raw put %.2f us, MVCC put %.2f us, MVCC throughput / raw %.2fx%n",
          rawNanos / n / 1e3, mvccNanos / n / 1e3, (double) rawNanos / mvccNanos);
    } finally {
      rawThread.shutdown();
      mvccThread.shutdown();
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Nanoseconds for {@link #PUTS} runs of {@code op} (benchmark code: not under the clock ban). */
  private static long time(Runnable op) {
    long start = System.nanoTime();
    for (int i = 0; i < PUTS; i++) {
      op.run();
    }
    return System.nanoTime() - start;
  }
}
