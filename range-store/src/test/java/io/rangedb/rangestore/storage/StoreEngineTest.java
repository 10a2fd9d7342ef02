package io.rangedb.rangestore.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreEngineTest {
  @TempDir Path dir;
  private InMemoryStorage memory;

  @BeforeEach
  void setUp() {
    memory = new InMemoryStorage();
  }

  @AfterEach
  void tearDown() {
    memory.close();
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void batchWritesToSeveralColumnFamiliesAtomicallyAndSurviveReopen() {
    for (StoreOptions options :
        List.of(StoreOptions.onDisk(dir.resolve("s")), StoreOptions.inMemory(memory, "s"))) {
      try (StoreEngine e = StoreEngine.open(options);
          EngineBatch batch = e.newBatch()) {
        batch.put(ColumnFamily.MVCC, b("k"), b("v"));
        batch.put(ColumnFamily.LOCAL, b("applied"), b("7"));
        batch.put(ColumnFamily.RAFT_LOG, b("group001e1"), b("entry"));
        assertNull(e.get(ColumnFamily.MVCC, b("k")), "nothing visible before the write");
        e.write(batch, true);
        assertArrayEquals(b("v"), e.get(ColumnFamily.MVCC, b("k")));
        assertNull(e.get(ColumnFamily.LOCAL, b("k")), "column families are separate key spaces");
      }
      try (StoreEngine e = StoreEngine.open(options)) {
        assertArrayEquals(b("v"), e.get(ColumnFamily.MVCC, b("k")));
        assertArrayEquals(b("7"), e.get(ColumnFamily.LOCAL, b("applied")));
        assertArrayEquals(b("entry"), e.get(ColumnFamily.RAFT_LOG, b("group001e1")));
      }
    }
  }

  @Test
  void writesMadeWithoutSyncAreKeptOnceTheLogIsSynced() {
    // In memory as on disk: a Raft host writes unsynced and syncs from its syncer thread, and a
    // test cluster on in-memory stores must not fail at its first sync.
    for (StoreOptions options :
        List.of(StoreOptions.onDisk(dir.resolve("w")), StoreOptions.inMemory(memory, "w"))) {
      try (StoreEngine e = StoreEngine.open(options);
          EngineBatch batch = e.newBatch()) {
        batch.put(ColumnFamily.RAFT_LOG, b("group001e1"), b("entry"));
        e.write(batch, false);
        e.syncWal();
      }
      try (StoreEngine e = StoreEngine.open(options)) {
        assertArrayEquals(
            b("entry"),
            e.get(ColumnFamily.RAFT_LOG, b("group001e1")),
            options.directory().toString());
      }
    }
  }

  @Test
  void iteratorsRespectBoundsInBothDirections() {
    try (StoreEngine e = StoreEngine.open(StoreOptions.inMemory(memory, "s"))) {
      try (EngineBatch batch = e.newBatch()) {
        for (String k : List.of("a", "b", "c", "d", "e")) {
          batch.put(ColumnFamily.MVCC, b(k), b(k));
        }
        e.write(batch, false);
      }
      try (EngineIterator it =
          e.newIterator(ColumnFamily.MVCC, IterOptions.bounded(b("b"), b("d")))) {
        List<String> fwd = new ArrayList<>();
        for (it.seekToFirst(); it.valid(); it.next()) {
          fwd.add(new String(it.key(), UTF_8));
        }
        assertEquals(List.of("b", "c"), fwd);
        List<String> rev = new ArrayList<>();
        for (it.seekToLast(); it.valid(); it.prev()) {
          rev.add(new String(it.key(), UTF_8));
        }
        assertEquals(List.of("c", "b"), rev);
        it.seekForPrev(b("zzz"));
        assertEquals("c", new String(it.key(), UTF_8));
      }
    }
  }

  private static byte[] raftKey(long group, long index) {
    return ByteBuffer.allocate(16).putLong(group).putLong(index).array();
  }

  @Test
  void raftLogPrefixSeekStaysInOneGroupAndRangeDeleteTruncates() {
    try (StoreEngine e = StoreEngine.open(StoreOptions.inMemory(memory, "s"))) {
      try (EngineBatch batch = e.newBatch()) {
        for (long g = 1; g <= 3; g++) {
          for (long i = 1; i <= 5; i++) {
            batch.put(ColumnFamily.RAFT_LOG, raftKey(g, i), b("e"));
          }
        }
        e.write(batch, true);
      }
      try (EngineBatch batch = e.newBatch()) {
        batch.deleteRange(ColumnFamily.RAFT_LOG, raftKey(2, 0), raftKey(2, 4));
        e.write(batch, true);
      }
      List<Long> indexes = new ArrayList<>();
      try (EngineIterator it = e.newIterator(ColumnFamily.RAFT_LOG, IterOptions.prefix())) {
        for (it.seek(raftKey(2, 0)); it.valid(); it.next()) {
          indexes.add(ByteBuffer.wrap(it.key()).getLong(8));
        }
      }
      assertEquals(List.of(4L, 5L), indexes, "group 2 after truncating [0,4), group 3 not seen");
    }
  }

  @Test
  void snapshotDoesNotSeeLaterWrites() {
    try (StoreEngine e = StoreEngine.open(StoreOptions.inMemory(memory, "s"))) {
      put(e, "k", "old");
      try (EngineSnapshot snap = e.snapshot()) {
        put(e, "k", "new");
        put(e, "k2", "new");
        assertArrayEquals(b("old"), snap.get(ColumnFamily.MVCC, b("k")));
        try (EngineIterator it = snap.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED)) {
          it.seekToFirst();
          assertTrue(it.valid());
          assertArrayEquals(b("old"), it.value());
          it.next();
          assertFalse(it.valid(), "k2 was written after the snapshot");
        }
        assertArrayEquals(b("new"), e.get(ColumnFamily.MVCC, b("k")));
      }
    }
  }

  @Test
  void closeReleasesForgottenIteratorsAndSnapshots() {
    long before = NativeHandles.liveCount();
    StoreEngine e = StoreEngine.open(StoreOptions.inMemory(memory, "s"));
    put(e, "k", "v");
    e.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED).seekToFirst();
    e.snapshot();
    e.close();
    e.close(); // idempotent
    assertEquals(before, NativeHandles.liveCount());
    assertThrows(IllegalStateException.class, () -> e.get(ColumnFamily.MVCC, b("k")));
  }

  @Test
  void theKeptIteratorSeesEveryEarlierWriteDeletionAndFlush() {
    for (StoreOptions options :
        List.of(StoreOptions.onDisk(dir.resolve("kept")), StoreOptions.inMemory(memory, "s"))) {
      try (StoreEngine e = StoreEngine.open(options)) {
        assertEquals(List.of(), latestKeys(e));
        put(e, "a", "1");
        put(e, "b", "2");
        assertEquals(List.of("a", "b"), latestKeys(e));
        assertEquals(1, e.openChildCount(), "one iterator kept between calls");
        put(e, "c", "3");
        try (EngineBatch batch = e.newBatch()) {
          batch.delete(ColumnFamily.MVCC, b("a"));
          e.write(batch, false);
        }
        assertEquals(List.of("b", "c"), latestKeys(e));
        e.flush();
        assertEquals(0, e.openChildCount(), "flush drops the kept iterator");
        put(e, "d", "4");
        assertEquals(List.of("b", "c", "d"), latestKeys(e));
        try (EngineBatch batch = e.newBatch()) {
          batch.deleteRange(ColumnFamily.MVCC, b("b"), b("d"));
          e.write(batch, false);
        }
        assertEquals(List.of("d"), latestKeys(e)); // a range deletion after the last refresh
        put(e, "b", "5");
        assertEquals(List.of("b", "d"), latestKeys(e));
        assertArrayEquals(
            b("5"),
            e.withLatestIterator(
                ColumnFamily.MVCC,
                it -> {
                  it.seek(b("b"));
                  return it.value();
                }));
      }
    }
  }

  @Test
  void aCallFindingTheKeptIteratorInUseGetsItsOwnAndNothingLeaks() {
    long before = NativeHandles.liveCount();
    StoreEngine e = StoreEngine.open(StoreOptions.inMemory(memory, "s"));
    put(e, "k", "v");
    List<String> inner =
        e.withLatestIterator(
            ColumnFamily.MVCC,
            outer -> {
              outer.seekToFirst();
              List<String> seen = latestKeys(e); // nested: the kept one is in use
              assertTrue(outer.valid(), "the inner call left the outer iterator alone");
              assertEquals(2, e.openChildCount());
              return seen;
            });
    assertEquals(List.of("k"), inner);
    assertEquals(1, e.openChildCount(), "one kept, the other closed");
    assertThrows(
        IllegalStateException.class,
        () ->
            e.withLatestIterator(
                ColumnFamily.MVCC,
                it -> {
                  throw new IllegalStateException("body failed");
                }));
    assertEquals(0, e.openChildCount(), "an iterator whose body failed is not kept");
    assertEquals(List.of("k"), latestKeys(e));
    e.close();
    assertEquals(0, e.openChildCount());
    assertEquals(before, NativeHandles.liveCount());
    assertThrows(IllegalStateException.class, () -> latestKeys(e));
  }

  private static List<String> latestKeys(StoreEngine e) {
    return e.withLatestIterator(
        ColumnFamily.MVCC,
        it -> {
          List<String> keys = new ArrayList<>();
          for (it.seekToFirst(); it.valid(); it.next()) {
            keys.add(new String(it.key(), UTF_8));
          }
          return keys;
        });
  }

  /**
   * The tuning is what RocksDB actually runs with: its OPTIONS file records the block cache
   * capacity from the setting, bloom filters, LZ4 with ZSTD at the bottom, the memtable size, the
   * background job count, and the MVCC family's L0 trigger.
   */
  @Test
  void rocksDbRunsWithTheTunedOptions() throws java.io.IOException {
    StoreOptions options =
        StoreOptions.onDisk(dir.resolve("tuned"))
            .withBlockCacheBytes(96L << 20)
            .withWriteBufferBytes(32L << 20);
    try (StoreEngine e = StoreEngine.open(options)) {
      put(e, "k", "v");
      for (ColumnFamily cf : ColumnFamily.values()) {
        assertEquals(
            96L << 20,
            e.longProperty(cf, "rocksdb.block-cache-capacity"),
            "one block cache of the configured size behind " + cf);
      }
    }
    String text;
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir.resolve("tuned"))) {
      text =
          java.nio.file.Files.readString(
              files
                  .filter(f -> f.getFileName().toString().startsWith("OPTIONS-"))
                  .max(java.util.Comparator.naturalOrder())
                  .orElseThrow());
    }
    assertTrue(text.contains("max_background_jobs=" + options.backgroundJobs()), text);
    for (String cf : new String[] {"default", "mvcc", "raft_log"}) {
      String section = section(text, "[CFOptions \"" + cf + "\"]");
      // The Raft log's entries live until their group truncates it: not worth compressing.
      String upper = cf.equals("raft_log") ? "kNoCompression" : "kLZ4Compression";
      String bottom = cf.equals("raft_log") ? "kNoCompression" : "kZSTD";
      assertTrue(section.contains("  compression=" + upper), cf + ": " + section);
      assertTrue(section.contains("  bottommost_compression=" + bottom), cf + ": " + section);
      assertTrue(
          section(text, "[TableOptions/BlockBasedTable \"" + cf + "\"]")
              .contains("filter_policy=bloomfilter:10:false"),
          cf + " has bloom filters");
    }
    String mvcc = section(text, "[CFOptions \"mvcc\"]");
    assertTrue(mvcc.contains("  write_buffer_size=" + (32L << 20)), mvcc);
    assertTrue(mvcc.contains("  level0_file_num_compaction_trigger=1"), mvcc);
  }

  /**
   * Synced writes go into recycled write-ahead log files once earlier ones are obsolete (a new log
   * then starts out as large as the old file it reuses), and a store reopened on a recycled log,
   * whose tail still holds the older records it replaced, recovers exactly what was written:
   * nothing lost, nothing old replayed.
   */
  @Test
  void writeAheadLogFilesAreReusedAndRecoverExactlyWhatWasWritten() throws Exception {
    Path store = dir.resolve("recycled");
    StoreOptions options = StoreOptions.onDisk(store);
    byte[] filler = new byte[200];
    long largestFreshLog = 0;
    try (StoreEngine e = StoreEngine.open(options)) {
      for (int round = 0; round < 6; round++) {
        // Each round writes less than the one before, so a reused file's tail holds old records.
        for (int i = 0; i < 200 * (6 - round); i++) {
          try (EngineBatch batch = e.newBatch()) {
            batch.put(ColumnFamily.RAFT_LOG, b("r" + round + "k" + i), filler);
            batch.put(ColumnFamily.MVCC, b("last"), b(round + ":" + i));
            e.write(batch, true);
          }
          if (i == 0) {
            largestFreshLog = Math.max(largestFreshLog, java.nio.file.Files.size(newestLog(store)));
          }
        }
        if (round < 5) {
          e.flush(); // the next log starts; the one before becomes obsolete, then reusable
        }
      }
      // The last round stays in the (reused) log only: no flush before the reopen.
      try (EngineBatch batch = e.newBatch()) {
        batch.delete(ColumnFamily.RAFT_LOG, b("r0k0"));
        e.write(batch, true);
      }
    }
    assertTrue(
        largestFreshLog > 100 * filler.length,
        "the largest log holding one new record was "
            + largestFreshLog
            + " bytes: none reused an older file");
    try (StoreEngine e = StoreEngine.open(options)) {
      assertArrayEquals(b("5:199"), e.get(ColumnFamily.MVCC, b("last")), "newest value survives");
      assertNull(e.get(ColumnFamily.RAFT_LOG, b("r0k0")), "a deletion in the reused log holds");
      for (int round = 0; round < 6; round++) {
        for (int i = round == 0 ? 1 : 0; i < 200 * (6 - round); i++) {
          assertArrayEquals(filler, e.get(ColumnFamily.RAFT_LOG, b("r" + round + "k" + i)));
        }
      }
      assertNull(e.get(ColumnFamily.RAFT_LOG, b("r5k200")), "nothing beyond what was written");
    }
  }

  /** The write-ahead log file in use: the one with the highest number. */
  private static Path newestLog(Path store) throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(store)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".log"))
          .max(java.util.Comparator.naturalOrder())
          .orElseThrow();
    }
  }

  /** The lines of one [section] of a RocksDB OPTIONS file. */
  private static String section(String text, String header) {
    int start = text.indexOf(header);
    assertTrue(start >= 0, "no " + header);
    int end = text.indexOf("\n[", start + header.length());
    return text.substring(start, end < 0 ? text.length() : end);
  }

  static void put(StoreEngine e, String k, String v) {
    try (EngineBatch batch = e.newBatch()) {
      batch.put(ColumnFamily.MVCC, b(k), b(v));
      e.write(batch, false);
    }
  }
}
