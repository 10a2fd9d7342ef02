package io.rangedb.rangestore.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import io.rangedb.txn.hlc.Timestamp;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On disk, closing and reopening a store (flushed or only in the WAL) keeps every version. */
class MvccRestartTest {
  private static final byte[] START = {};
  private static final byte[] END = {(byte) 0xFF};

  @TempDir Path dir;

  @Test
  void reopenedStoreHasTheSameContentsAtEveryTimestamp() {
    Random r = new Random(Long.getLong("mvcc.seed", 11));
    StoreOptions options = StoreOptions.onDisk(dir.resolve("s"));
    MvccStats stats = new MvccStats();
    String[] before = new String[40];
    try (StoreEngine engine = StoreEngine.open(options)) {
      MvccStore store = new MvccStore(engine, false);
      TxnMeta txn = new TxnMeta(new UUID(1, 1), 0, Timestamp.ofWall(1_000), 0);
      for (int i = 0; i < 2_000; i++) {
        byte[] key = ("key" + r.nextInt(300)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] value = new byte[r.nextInt(50)];
        r.nextBytes(value);
        try {
          if (r.nextInt(10) == 0) {
            store.put(key, txn, value, stats);
          } else if (r.nextInt(10) == 0) {
            store.delete(key, Timestamp.ofWall(1 + i / 2), stats);
          } else {
            store.put(key, Timestamp.ofWall(1 + i / 2), value, stats);
          }
        } catch (MvccConflictException expected) {
          // random timestamps collide; the rules are tested elsewhere
        }
        if (i == 1_000) {
          engine.flush(); // half the data in SST files, half only in the WAL and memtable
        }
      }
      for (int t = 0; t < before.length; t++) {
        before[t] = dump(store, Timestamp.ofWall(t * 30L), txn);
      }
    }
    try (StoreEngine engine = StoreEngine.open(options)) {
      MvccStore store = new MvccStore(engine, false);
      TxnMeta txn = new TxnMeta(new UUID(1, 1), 0, Timestamp.ofWall(1_000), 0);
      for (int t = 0; t < before.length; t++) {
        assertEquals(before[t], dump(store, Timestamp.ofWall(t * 30L), txn), "at " + t * 30);
      }
      assertEquals(stats, MvccStats.compute(engine, START, END));
    }
  }

  private static String dump(MvccStore store, Timestamp ts, TxnMeta txn) {
    StringBuilder sb = new StringBuilder();
    ScanResult res = store.scan(START, END, ReadAt.at(ts).withTxn(txn), ScanOptions.FORWARD);
    for (KeyValue kv : res.rows()) {
      sb.append(HexFormat.of().formatHex(kv.key()))
          .append('=')
          .append(HexFormat.of().formatHex(kv.value()))
          .append('@')
          .append(kv.timestamp())
          .append('\n');
    }
    return sb.toString();
  }
}
