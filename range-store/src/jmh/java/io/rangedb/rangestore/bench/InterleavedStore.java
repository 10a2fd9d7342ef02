package io.rangedb.rangestore.bench;

import io.rangedb.rangestore.mvcc.MvccStats;
import io.rangedb.rangestore.mvcc.MvccStore;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.txn.hlc.Timestamp;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The data set the interleaved MVCC benchmarks share: 100,000 raw keys ("r...") and 100,000 MVCC
 * keys ("m...") with one 100-byte value each, flushed to SST files, and separate keys for puts
 * ("q..." raw, "p..." MVCC) so that reads and scans always meet one version per key.
 */
final class InterleavedStore {
  static final int KEYS = 100_000;

  final byte[][] raw = keys("r");
  final byte[][] mv = keys("m");
  final byte[][] rawPutKeys = keys("q");
  final byte[][] mvPutKeys = keys("p");
  final byte[] value = new byte[100];

  /** The MVCC timestamp of the last put; puts that follow take the next ones. */
  long clock = 1_000_000;

  InterleavedStore() {
    new SplittableRandom(1).nextBytes(value);
  }

  /** Writes the read keys of both sides into {@code engine} and flushes them to SST files. */
  void load(StoreEngine engine, MvccStore mvcc, MvccStats stats) {
    try (EngineBatch b = engine.newBatch()) {
      for (byte[] k : raw) {
        b.put(ColumnFamily.MVCC, k, value);
      }
      engine.write(b, false);
    }
    for (byte[] k : mv) {
      mvcc.put(k, Timestamp.ofWall(++clock), value, stats);
    }
    engine.flush();
  }

  private static byte[][] keys(String prefix) {
    byte[][] out = new byte[KEYS][];
    for (int i = 0; i < KEYS; i++) {
      out[i] = String.format("%s%08d", prefix, i).getBytes(StandardCharsets.US_ASCII);
    }
    return out;
  }
}
