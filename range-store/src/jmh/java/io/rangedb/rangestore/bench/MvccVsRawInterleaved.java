package io.rangedb.rangestore.bench;

import io.rangedb.rangestore.mvcc.MvccStats;
import io.rangedb.rangestore.mvcc.MvccStore;
import io.rangedb.rangestore.mvcc.ReadAt;
import io.rangedb.rangestore.mvcc.ScanOptions;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.EngineIterator;
import io.rangedb.rangestore.storage.IterOptions;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import io.rangedb.txn.hlc.Timestamp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The same comparisons as {@link MvccVsRawBenchmark}, but each round times the raw operation and
 * its MVCC counterpart back to back, so that load from other processes on a shared machine hits
 * both sides of a ratio alike (JMH runs one benchmark after the other, minutes apart). Prints the
 * median ratio over the rounds. Run: {@code bin/mvn -B -pl range-store -Pjmh test-compile exec:exec
 * -Djmh.main=io.rangedb.rangestore.bench.MvccVsRawInterleaved -Djmh.args=}
 */
public final class MvccVsRawInterleaved {
  private static final int KEYS = InterleavedStore.KEYS;
  private static final int ROUNDS = 30;

  private MvccVsRawInterleaved() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("rangedb-interleaved");
    InterleavedStore data = new InterleavedStore();
    byte[][] raw = data.raw;
    byte[][] mv = data.mv;
    byte[][] rawPutKeys = data.rawPutKeys;
    byte[][] mvPutKeys = data.mvPutKeys;
    byte[] value = data.value;
    try (StoreEngine engine = StoreEngine.open(StoreOptions.onDisk(dir.resolve("store")))) {
      MvccStore mvcc = new MvccStore(engine, false);
      MvccStats stats = new MvccStats();
      data.load(engine, mvcc, stats);
      long[] clock = {data.clock};
      ReadAt read = ReadAt.at(Timestamp.ofWall(Long.MAX_VALUE / 2));
      SplittableRandom r = new SplittableRandom(42);
      long[] sink = {0};
      double[][] ratios = new double[4][ROUNDS];
      String[] names = {
        "get  (MVCC / raw point get)",
        "get  (MVCC / raw iterator seek)",
        "put  (MVCC / raw batch put)",
        "scan (MVCC / raw 100-key iterator)"
      };
      for (int round = -5; round < ROUNDS; round++) { // 5 warm-up rounds
        int n = Integer.getInteger("bench.ops", 20_000);
        long rawGet =
            time(n, () -> sink[0] += engine.get(ColumnFamily.MVCC, raw[r.nextInt(KEYS)]).length);
        long rawSeek =
            time(
                n,
                () -> {
                  try (EngineIterator it =
                      engine.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED)) {
                    it.seek(raw[r.nextInt(KEYS)]);
                    sink[0] += it.valid() ? it.value().length : 0;
                  }
                });
        long mvccGet = time(n, () -> sink[0] += mvcc.get(mv[r.nextInt(KEYS)], read).value().length);
        long rawPut =
            time(
                n,
                () -> {
                  try (EngineBatch b = engine.newBatch()) {
                    b.put(ColumnFamily.MVCC, rawPutKeys[r.nextInt(KEYS)], value);
                    engine.write(b, false);
                  }
                });
        long mvccPut =
            time(
                n,
                () ->
                    mvcc.put(
                        mvPutKeys[r.nextInt(KEYS)], Timestamp.ofWall(++clock[0]), value, stats));
        int scans = 1_000;
        long rawScan =
            time(
                scans,
                () -> {
                  int s = r.nextInt(KEYS - 100);
                  try (EngineIterator it =
                      engine.newIterator(
                          ColumnFamily.MVCC, IterOptions.bounded(raw[s], raw[s + 100]))) {
                    int rows = 0;
                    for (it.seek(raw[s]); it.valid() && rows < 100; it.next(), rows++) {
                      sink[0] += it.key().length + it.value().length;
                    }
                  }
                });
        long mvccScan =
            time(
                scans,
                () -> {
                  int s = r.nextInt(KEYS - 100);
                  sink[0] +=
                      mvcc.scan(mv[s], mv[s + 100], read, ScanOptions.FORWARD.withMaxKeys(100))
                          .rows()
                          .size();
                });
        if (round >= 0 && round % 10 == 9) {
          System.out.printf(
              "round %d, us/op: get %.2f seek %.2f mvccGet %.2f put %.2f mvccPut %.2f scan %.1f"
                  + " mvccScan %.1f%n",
              round,
              rawGet / 1e3 / n,
              rawSeek / 1e3 / n,
              mvccGet / 1e3 / n,
              rawPut / 1e3 / n,
              mvccPut / 1e3 / n,
              rawScan / 1e3 / scans,
              mvccScan / 1e3 / scans);
        }
        if (round >= 0) {
          ratios[0][round] = (double) rawGet / mvccGet;
          ratios[1][round] = (double) rawSeek / mvccGet;
          ratios[2][round] = (double) rawPut / mvccPut;
          ratios[3][round] = (double) rawScan / mvccScan;
        }
      }
      System.out.println(
          "MVCC throughput as a fraction of raw RocksDB, median of " + ROUNDS + " rounds:");
      for (int i = 0; i < names.length; i++) {
        double[] s = ratios[i].clone();
        Arrays.sort(s);
        System.out.printf(
            "  %-36s %.2fx  (quartiles %.2f - %.2f)%n",
            names[i], s[ROUNDS / 2], s[ROUNDS / 4], s[3 * ROUNDS / 4]);
      }
      System.out.println("(checksum " + sink[0] + ")");
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Nanoseconds for {@code n} runs of {@code op} (benchmark code: not under the clock ban). */
  private static long time(int n, Runnable op) {
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      op.run();
    }
    return System.nanoTime() - start;
  }
}
