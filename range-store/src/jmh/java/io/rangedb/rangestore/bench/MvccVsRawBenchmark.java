package io.rangedb.rangestore.bench;

import io.rangedb.rangestore.mvcc.KeyValue;
import io.rangedb.rangestore.mvcc.MvccStats;
import io.rangedb.rangestore.mvcc.MvccStore;
import io.rangedb.rangestore.mvcc.ReadAt;
import io.rangedb.rangestore.mvcc.ScanOptions;
import io.rangedb.rangestore.mvcc.ScanResult;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.EngineIterator;
import io.rangedb.rangestore.storage.IterOptions;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import io.rangedb.txn.hlc.Timestamp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * MVCC point put/get and 100-row scans against the raw RocksDB operations they are built on, on one
 * on-disk store in the same run: raw keys and MVCC keys live side by side in the MVCC column family
 * (different prefixes), each 100,000 keys with 100-byte values, flushed to SST files. Raw put is a
 * one-put batch write (no fsync, as the MVCC put); raw get is a point lookup and, for reference, a
 * bounded iterator seek (what an MVCC get is built on); raw scan is an iterator reading 100
 * consecutive keys.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MvccVsRawBenchmark {
  private static final int KEYS = 100_000;
  private static final Timestamp READ_TS = Timestamp.ofWall(Long.MAX_VALUE / 2);

  private Path dir;
  private StoreEngine engine;
  private MvccStore mvcc;
  private final MvccStats stats = new MvccStats();
  private final byte[] value = new byte[100];
  private final SplittableRandom random = new SplittableRandom(42);
  private long clock = 1_000_000;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("rangedb-bench");
    engine = StoreEngine.open(StoreOptions.onDisk(dir.resolve("store")));
    mvcc = new MvccStore(engine, false);
    new SplittableRandom(1).nextBytes(value);
    for (int i = 0; i < KEYS; i += 1_000) {
      try (EngineBatch b = engine.newBatch()) {
        for (int j = i; j < i + 1_000; j++) {
          b.put(ColumnFamily.MVCC, rawKey(j), value);
        }
        engine.write(b, false);
      }
    }
    for (int i = 0; i < KEYS; i++) {
      mvcc.put(mvccKey(i), Timestamp.ofWall(++clock), value, stats);
    }
    engine.flush();
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    engine.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static byte[] rawKey(int i) {
    return String.format("r%08d", i).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] mvccKey(int i) {
    return String.format("m%08d", i).getBytes(StandardCharsets.US_ASCII);
  }

  private int pick() {
    return random.nextInt(KEYS);
  }

  private int pickScanStart() {
    return random.nextInt(KEYS - 100);
  }

  @Benchmark
  public byte[] getRaw() {
    return engine.get(ColumnFamily.MVCC, rawKey(pick()));
  }

  @Benchmark
  public byte[] getRawIteratorSeek() {
    byte[] k = rawKey(pick());
    // Unbounded, with the engine's shared read options: exactly how an MVCC get iterates.
    try (EngineIterator it = engine.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED)) {
      it.seek(k);
      return it.valid() ? it.value() : null;
    }
  }

  @Benchmark
  public KeyValue getMvcc() {
    return mvcc.get(mvccKey(pick()), ReadAt.at(READ_TS));
  }

  @Benchmark
  public void putRaw() {
    try (EngineBatch b = engine.newBatch()) {
      b.put(ColumnFamily.MVCC, rawKey(pick()), value);
      engine.write(b, false);
    }
  }

  @Benchmark
  public void putMvcc() {
    mvcc.put(mvccKey(pick()), Timestamp.ofWall(++clock), value, stats);
  }

  @Benchmark
  public void scan100Raw(Blackhole bh) {
    int start = pickScanStart();
    try (EngineIterator it =
        engine.newIterator(
            ColumnFamily.MVCC, IterOptions.bounded(rawKey(start), rawKey(start + 100)))) {
      int n = 0;
      for (it.seek(rawKey(start)); it.valid() && n < 100; it.next(), n++) {
        bh.consume(it.key());
        bh.consume(it.value());
      }
    }
  }

  @Benchmark
  public ScanResult scan100Mvcc() {
    int start = pickScanStart();
    return mvcc.scan(
        mvccKey(start),
        mvccKey(start + 100),
        ReadAt.at(READ_TS),
        ScanOptions.FORWARD.withMaxKeys(100));
  }
}
