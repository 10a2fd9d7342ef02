package io.rangedb.rangestore.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexedBatchTest {
  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void readsSeeTheBatchsWritesOverTheStore() {
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(dir.resolve("s")))) {
      StoreEngineTest.put(e, "a", "base-a");
      StoreEngineTest.put(e, "b", "base-b");
      StoreEngineTest.put(e, "d", "base-d");
      try (IndexedBatch batch = e.newIndexedBatch()) {
        batch.put(ColumnFamily.MVCC, b("c"), b("1"));
        batch.put(ColumnFamily.MVCC, b("c"), b("2")); // the newer write wins
        batch.delete(ColumnFamily.MVCC, b("b"));
        batch.put(ColumnFamily.MVCC, b("a"), b("batch-a"));
        batch.put(ColumnFamily.LOCAL, b("c"), b("local"));
        assertArrayEquals(b("2"), batch.get(ColumnFamily.MVCC, b("c")));
        assertArrayEquals(b("batch-a"), batch.get(ColumnFamily.MVCC, b("a")));
        assertNull(batch.get(ColumnFamily.MVCC, b("b")), "deleted in the batch");
        assertArrayEquals(b("base-d"), batch.get(ColumnFamily.MVCC, b("d")));
        assertEquals(List.of("a=batch-a", "c=2", "d=base-d"), scan(batch, IterOptions.UNBOUNDED));
        assertEquals(5, batch.count());
        assertNull(e.get(ColumnFamily.MVCC, b("c")), "nothing written before the write");
        e.write(batch, true);
      }
      assertEquals(List.of("a=batch-a", "c=2", "d=base-d"), scan(e, IterOptions.UNBOUNDED));
      assertArrayEquals(b("local"), e.get(ColumnFamily.LOCAL, b("c")));
      assertEquals(0, e.openChildCount(), "iterators left open");
    }
  }

  @Test
  void iteratorBoundsApplyToTheBatchsKeysBothWays() {
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(dir.resolve("s")));
        IndexedBatch batch = e.newIndexedBatch()) {
      StoreEngineTest.put(e, "b", "base");
      StoreEngineTest.put(e, "e", "base");
      for (String k : List.of("a", "c", "d", "f")) {
        batch.put(ColumnFamily.MVCC, b(k), b("batch"));
      }
      IterOptions bounds = IterOptions.bounded(b("b"), b("e"));
      assertEquals(List.of("b=base", "c=batch", "d=batch"), scan(batch, bounds));
      List<String> reverse = new ArrayList<>();
      try (EngineIterator it = batch.newIterator(ColumnFamily.MVCC, bounds)) {
        for (it.seekToLast(); it.valid(); it.prev()) {
          reverse.add(new String(it.key(), UTF_8));
        }
      }
      assertEquals(List.of("d", "c", "b"), reverse);
    }
  }

  @Test
  void overASnapshotLaterStoreWritesAreInvisible() {
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(dir.resolve("s")))) {
      StoreEngineTest.put(e, "a", "old");
      try (EngineSnapshot snap = e.snapshot();
          IndexedBatch batch = e.newIndexedBatch(snap)) {
        StoreEngineTest.put(e, "a", "new");
        StoreEngineTest.put(e, "z", "new");
        batch.put(ColumnFamily.MVCC, b("m"), b("batch"));
        assertArrayEquals(b("old"), batch.get(ColumnFamily.MVCC, b("a")));
        assertEquals(List.of("a=old", "m=batch"), scan(batch, IterOptions.UNBOUNDED));
        snap.close();
        assertThrows(IllegalStateException.class, () -> batch.get(ColumnFamily.MVCC, b("a")));
      }
      try (StoreEngine other = StoreEngine.open(StoreOptions.onDisk(dir.resolve("o")));
          EngineSnapshot foreign = other.snapshot()) {
        assertThrows(IllegalArgumentException.class, () -> e.newIndexedBatch(foreign));
      }
    }
  }

  @Test
  void savePointRollsBackLaterWritesOnly() {
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(dir.resolve("s")));
        IndexedBatch batch = e.newIndexedBatch()) {
      batch.put(ColumnFamily.MVCC, b("a"), b("1"));
      batch.setSavePoint();
      batch.put(ColumnFamily.MVCC, b("a"), b("2"));
      batch.put(ColumnFamily.MVCC, b("b"), b("2"));
      EngineIterator it = batch.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED);
      assertThrows(IllegalStateException.class, batch::rollbackToSavePoint);
      it.close();
      batch.rollbackToSavePoint();
      assertEquals(List.of("a=1"), scan(batch, IterOptions.UNBOUNDED));
      assertEquals(1, batch.count());
    }
  }

  @Test
  void reprAppliedToAnotherStoreGivesTheSameContents() {
    try (StoreEngine first = StoreEngine.open(StoreOptions.onDisk(dir.resolve("first")));
        StoreEngine second = StoreEngine.open(StoreOptions.onDisk(dir.resolve("second")))) {
      byte[] repr;
      try (IndexedBatch batch = first.newIndexedBatch()) {
        batch.put(ColumnFamily.MVCC, b("k1"), b("v1"));
        batch.put(ColumnFamily.MVCC, b("k1"), b("v1b"));
        batch.put(ColumnFamily.MVCC, b("k2"), b("v2"));
        batch.delete(ColumnFamily.MVCC, b("k2"));
        batch.put(ColumnFamily.LOCAL, b("applied"), b("7"));
        batch.put(ColumnFamily.RAFT_LOG, b("group001e1"), b("entry"));
        repr = batch.repr();
        first.write(batch, false);
      }
      second.writeRepr(repr, true);
      for (ColumnFamily cf : ColumnFamily.values()) {
        assertEquals(scan(first, cf), scan(second, cf), cf.toString());
      }
      assertEquals(List.of("k1=v1b"), scan(second, IterOptions.UNBOUNDED));
    }
  }

  @Test
  void corruptReprIsRefusedAndWritesNothing() {
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(dir.resolve("s")))) {
      StoreEngineTest.put(e, "existing", "v");
      byte[] good;
      try (IndexedBatch batch = e.newIndexedBatch()) {
        batch.put(ColumnFamily.MVCC, b("k1"), b("v1"));
        batch.put(ColumnFamily.MVCC, b("k2"), b("v2"));
        good = batch.repr();
      }
      List<byte[]> corrupt = new ArrayList<>();
      corrupt.add(new byte[0]);
      corrupt.add(Arrays.copyOf(good, 11)); // shorter than the header
      corrupt.add(Arrays.copyOf(good, good.length - 1)); // the last record cut short
      byte[] count = good.clone();
      count[8] = 3; // the header claims three records
      corrupt.add(count);
      byte[] tag = good.clone();
      tag[12] = 0x7F; // an unknown record type
      corrupt.add(tag);
      byte[] cf = good.clone();
      cf[13] = 9; // (column-family put, cf id 1) -> cf id 9
      corrupt.add(cf);
      byte[] trailing = Arrays.copyOf(good, good.length + 3);
      corrupt.add(trailing);
      for (byte[] bytes : corrupt) {
        assertThrows(
            BatchCorruptedException.class,
            () -> e.writeRepr(bytes, true),
            () -> "accepted " + Arrays.toString(bytes));
      }
      assertEquals(List.of("existing=v"), scan(e, IterOptions.UNBOUNDED));
      e.writeRepr(good, true); // the store is still writable
      assertEquals(List.of("existing=v", "k1=v1", "k2=v2"), scan(e, IterOptions.UNBOUNDED));
    }
  }

  @Test
  void closedBatchClosesItsIteratorsAndRefusesUse() {
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(dir.resolve("s")))) {
      long handles = NativeHandles.liveCount();
      IndexedBatch batch = e.newIndexedBatch();
      assertEquals(handles + 1, NativeHandles.liveCount());
      batch.put(ColumnFamily.MVCC, b("a"), b("1"));
      EngineIterator it = batch.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED);
      batch.close();
      batch.close();
      it.close(); // already closed by the batch: a no-op
      assertEquals(handles, NativeHandles.liveCount());
      assertEquals(0, e.openChildCount(), "iterators left open");
      assertThrows(IllegalStateException.class, () -> batch.get(ColumnFamily.MVCC, b("a")));
      assertThrows(IllegalStateException.class, batch::repr);
      assertThrows(
          UnsupportedOperationException.class,
          () -> {
            try (IndexedBatch other = e.newIndexedBatch()) {
              other.deleteRange(ColumnFamily.MVCC, b("a"), b("b"));
            }
          });
    }
  }

  /**
   * Evaluating and closing 60,000 batches (reads, iterators, writes, serialization, some written)
   * leaks nothing: native object counts, open iterators and resident memory outside the memtables
   * stay flat. A leaked batch keeps its write buffer and index arena (kilobytes each), so 60,000
   * leaks would pass the bound of 128 MB several times over. Resident memory is read after a round
   * and a collection, before and after the measured round alike. It still moves with whatever else
   * the JVM does (by up to 100 MB with nothing leaked: the young generation touching heap pages it
   * had only reserved, other tests' stores winding down), which made the earlier form of this test
   * (20,000 batches, 64 MB) fail in some runs on 2026-12-03.
   */
  @Test
  void manyBatchesLeakNothing() throws IOException {
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(dir.resolve("s")))) {
      cycle(e, 20_000);
      long handles = NativeHandles.liveCount();
      int children = e.openChildCount();
      // Measured the same way before and after: a round, then the heap shrunk to what lives.
      System.gc();
      cycle(e, 20_000);
      System.gc();
      long before = residentKiB() - memtableKiB(e);
      cycle(e, 60_000);
      assertEquals(handles, NativeHandles.liveCount(), "native objects left open");
      assertTrue(e.openChildCount() <= children, "iterators left open");
      System.gc();
      long growthKiB = residentKiB() - memtableKiB(e) - before;
      assertTrue(
          growthKiB < 128 * 1024,
          "resident memory outside the memtables grew by " + growthKiB + " KiB");
    }
  }

  private static long memtableKiB(StoreEngine e) {
    long bytes = 0;
    for (ColumnFamily cf : ColumnFamily.values()) {
      bytes += e.longProperty(cf, "rocksdb.cur-size-all-mem-tables");
    }
    return bytes / 1024;
  }

  private static void cycle(StoreEngine e, int times) {
    byte[] value = new byte[200];
    for (int i = 0; i < times; i++) {
      try (EngineSnapshot snap = i % 3 == 0 ? e.snapshot() : null;
          IndexedBatch batch = snap != null ? e.newIndexedBatch(snap) : e.newIndexedBatch()) {
        for (int k = 0; k < 10; k++) {
          batch.put(ColumnFamily.MVCC, b("key" + (i * 7 + k) % 1000), value);
        }
        batch.get(ColumnFamily.MVCC, b("key" + i % 1000));
        try (EngineIterator it =
            batch.newIterator(ColumnFamily.MVCC, IterOptions.bounded(b("key1"), b("key2")))) {
          it.seek(b("key1"));
          it.valid();
        }
        batch.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED); // left for close
        byte[] repr = batch.repr();
        if (i % 10 == 0) {
          e.writeRepr(repr, false);
        } else if (i % 10 == 1) {
          e.write(batch, false);
        }
      }
    }
  }

  private static List<String> scan(EngineReader r, IterOptions options) {
    List<String> out = new ArrayList<>();
    try (EngineIterator it = r.newIterator(ColumnFamily.MVCC, options)) {
      for (it.seekToFirst(); it.valid(); it.next()) {
        out.add(new String(it.key(), UTF_8) + "=" + new String(it.value(), UTF_8));
      }
    }
    return out;
  }

  private static List<String> scan(EngineReader r, ColumnFamily cf) {
    List<String> out = new ArrayList<>();
    try (EngineIterator it = r.newIterator(cf, IterOptions.UNBOUNDED)) {
      for (it.seekToFirst(); it.valid(); it.next()) {
        out.add(Arrays.toString(it.key()) + "=" + Arrays.toString(it.value()));
      }
    }
    return out;
  }

  private static long residentKiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
