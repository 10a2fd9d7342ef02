package io.rangedb.rangestore.raftlog;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.HardState;
import io.rangedb.raft.LogCompactedException;
import io.rangedb.raft.LostLog;
import io.rangedb.raft.Snapshot;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.StoreCorruptedException;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksLogStorageTest {
  private static final ConfState THREE = ConfState.ofVoters(1L, 2L, 3L);

  @TempDir Path dir;
  private StoreEngine engine;
  private RaftLogStore logs;

  @BeforeEach
  void open() {
    engine = StoreEngine.open(StoreOptions.onDisk(dir));
    logs = new RaftLogStore(engine);
  }

  @AfterEach
  void close() {
    engine.close();
  }

  private void restart() {
    engine.close();
    open();
  }

  private static List<Entry> entries(long term, long from, long to) {
    return LongStream.rangeClosed(from, to)
        .mapToObj(i -> Entry.normal(term, i, ("cmd" + i).getBytes(UTF_8)))
        .toList();
  }

  private static void write(RaftLogStore logs, RocksLogStorage s, HardState hs, List<Entry> ents) {
    try (RocksLogBatch b = logs.newBatch()) {
      s.stage(b, hs, ents, null);
      b.commit();
    }
  }

  @Test
  void bootstrappedGroupStartsFromItsMembershipSnapshot() {
    RocksLogStorage s = logs.bootstrap(7, THREE, "init".getBytes(UTF_8));
    assertEquals(2, s.firstIndex());
    assertEquals(1, s.lastIndex());
    assertEquals(1, s.term(1));
    assertEquals(THREE, s.confState());
    assertEquals(new HardState(1, 0, 1), s.hardState());
    assertArrayEquals("init".getBytes(UTF_8), s.snapshot().data());
    assertThrows(IllegalStateException.class, () -> logs.bootstrap(7, THREE, null));
  }

  @Test
  void aBatchWrittenForALaterSyncIsInvisibleUntilMarkedDurableAndSurvivesARestart() {
    RocksLogStorage s = logs.bootstrap(7, THREE, null);
    RocksLogStorage other = logs.bootstrap(8, THREE, null);
    RocksLogBatch first = logs.newBatch();
    s.stage(first, new HardState(2, 1, 1), entries(2, 2, 5), null);
    first.write();
    RocksLogBatch second = logs.newBatch(); // written while the first waits for its fsync
    other.stage(second, new HardState(3, 2, 1), entries(3, 2, 3), null);
    second.write();
    assertEquals(1, s.lastIndex(), "not visible before the fsync");
    assertEquals(new HardState(1, 0, 1), s.hardState());
    assertThrows(
        IllegalStateException.class, first::commit, "a written batch is not written twice");
    logs.sync(); // from any thread; one fsync covers both
    first.markDurable();
    second.markDurable();
    assertEquals(entries(2, 2, 5), s.entries(2, 6, Long.MAX_VALUE));
    assertEquals(new HardState(3, 2, 1), other.hardState());
    assertThrows(IllegalStateException.class, first::markDurable);
    restart();
    assertEquals(entries(2, 2, 5), logs.storage(7).entries(2, 6, Long.MAX_VALUE));
    assertEquals(3, logs.storage(8).lastIndex());
  }

  @Test
  void stagedWritesAreInvisibleUntilTheBatchCommits() {
    RocksLogStorage s = logs.bootstrap(7, THREE, null);
    try (RocksLogBatch b = logs.newBatch()) {
      s.stage(b, new HardState(2, 1, 1), entries(2, 2, 5), null);
      assertEquals(1, s.lastIndex());
      assertEquals(new HardState(1, 0, 1), s.hardState());
      b.commit();
    }
    assertEquals(5, s.lastIndex());
    assertEquals(new HardState(2, 1, 1), s.hardState());
    assertEquals(entries(2, 2, 5), s.entries(2, 6, Long.MAX_VALUE));
    assertEquals(2, s.term(4));
  }

  @Test
  void aBatchDroppedBeforeCommitLeavesNothingOnDisk() {
    RocksLogStorage s = logs.bootstrap(7, THREE, null);
    write(logs, s, null, entries(1, 2, 3));
    try (RocksLogBatch b = logs.newBatch()) {
      s.stage(b, new HardState(5, 2, 3), entries(5, 4, 9), null);
      // closed without commit: a crash before the fsync
    }
    assertEquals(3, s.lastIndex());
    restart();
    RocksLogStorage again = logs.storage(7);
    assertEquals(3, again.lastIndex());
    assertEquals(new HardState(1, 0, 1), again.hardState());
  }

  @Test
  void entriesStopAtTheByteBudgetButReturnAtLeastOne() {
    RocksLogStorage s = logs.bootstrap(7, THREE, null);
    write(logs, s, null, entries(1, 2, 11));
    long one = entries(1, 2, 2).get(0).sizeBytes();
    assertEquals(1, s.entries(2, 12, 1).size());
    assertEquals(3, s.entries(2, 12, 3 * one).size());
    assertEquals(10, s.entries(2, 12, Long.MAX_VALUE).size());
    assertEquals(List.of(), s.entries(5, 5, 100));
    assertThrows(IndexOutOfBoundsException.class, () -> s.entries(2, 13, 100));
  }

  @Test
  void plainAppendsLeaveNoRangeTombstones() {
    // Range tombstones make every later memtable read slower; measured: with one per append a
    // single group's commits ran 8x slower (docs/benchmarks.md). Only an overwrite needs one.
    RocksLogStorage s = logs.bootstrap(7, THREE, null);
    try (RocksLogBatch b = logs.newBatch()) {
      s.stage(b, new HardState(2, 1, 1), entries(2, 2, 6), null);
      b.commit();
      assertEquals(6, b.operations(), "five entries and the hard state, nothing else");
    }
    try (RocksLogBatch b = logs.newBatch()) {
      s.stage(b, null, entries(3, 5, 5), null);
      b.commit();
      assertEquals(2, b.operations(), "the overwritten suffix goes with one range delete");
    }
    assertEquals(5, s.lastIndex());
  }

  @Test
  void aNewLeaderOverwritesAConflictingSuffix() {
    RocksLogStorage s = logs.bootstrap(7, THREE, null);
    write(logs, s, null, entries(1, 2, 6));
    write(logs, s, new HardState(2, 2, 3), entries(2, 4, 4));
    assertEquals(4, s.lastIndex());
    assertEquals(2, s.term(4));
    assertEquals(1, s.term(3));
    restart();
    RocksLogStorage again = logs.storage(7);
    assertEquals(4, again.lastIndex(), "entries 5 and 6 of the deposed leader are gone for good");
    assertEquals(2, again.term(4));
    assertEquals(entries(1, 2, 3), again.entries(2, 4, Long.MAX_VALUE));
  }

  @Test
  void restartRecoversEveryGroupOfTheStore() {
    List<Long> groups = new ArrayList<>();
    try (RocksLogBatch b = logs.newBatch()) {
      for (long g = 1; g <= 50; g++) {
        RocksLogStorage s = logs.bootstrap(g * 3, THREE, null);
        s.stage(b, new HardState(2, g, 1 + g % 4), entries(2, 2, 1 + g % 5), null);
        groups.add(g * 3);
      }
      b.commit();
    }
    restart();
    assertEquals(groups, logs.groups());
    for (long g = 1; g <= 50; g++) {
      RocksLogStorage s = logs.storage(g * 3);
      assertEquals(new HardState(2, g, 1 + g % 4), s.hardState());
      assertEquals(1 + g % 5, s.lastIndex());
      assertEquals(THREE, s.confState());
    }
  }

  @Test
  void compactionDropsAPrefixCoveredBySnapshotAndSurvivesRestart() {
    RocksLogStorage s = logs.bootstrap(7, THREE, null);
    write(logs, s, null, entries(1, 2, 10));
    assertThrows(IllegalArgumentException.class, () -> s.compact(6));
    s.createSnapshot(6, THREE, "state@6".getBytes(UTF_8));
    s.compact(6);
    assertEquals(7, s.firstIndex());
    assertEquals(1, s.term(6));
    assertThrows(LogCompactedException.class, () -> s.term(5));
    assertThrows(LogCompactedException.class, () -> s.entries(6, 8, 100));
    restart();
    RocksLogStorage again = logs.storage(7);
    assertEquals(7, again.firstIndex());
    assertEquals(10, again.lastIndex());
    assertEquals(6, again.snapshot().index());
    assertArrayEquals("state@6".getBytes(UTF_8), again.snapshot().data());
    assertEquals(entries(1, 7, 10), again.entries(7, 11, Long.MAX_VALUE));
  }

  @Test
  void compactionRemovesTheEntriesFromRocksDbWhetherSmallOrLarge() {
    RocksLogStorage s = logs.bootstrap(7, THREE, null);
    long last = 10 + RocksLogStorage.POINT_DELETES_UP_TO * 2;
    write(logs, s, null, entries(1, 2, last));
    // Small: deleted entry by entry. Then large: one range deletion.
    for (long to : List.of(9L, 9 + RocksLogStorage.POINT_DELETES_UP_TO + 1)) {
      s.createSnapshot(to, THREE, ("state@" + to).getBytes(UTF_8));
      s.compact(to);
      assertEquals(List.of(), storedEntryIndexes(7, 0, to + 1), "nothing up to " + to + " remains");
      assertEquals(
          LongStream.rangeClosed(to + 1, last).boxed().toList(),
          storedEntryIndexes(7, 0, last + 1),
          "everything after " + to + " stays");
    }
    restart();
    assertEquals(
        entries(1, last - 2, last), logs.storage(7).entries(last - 2, last + 1, Long.MAX_VALUE));
  }

  @Test
  void aSmallCompactionAfterARestartAlsoRemovesEntriesBelowAnOldSnapshot() {
    // No truncation record: the log was never compacted, only snapshotted, before the restart.
    RocksLogStorage s = logs.storage(8);
    write(logs, s, null, entries(1, 1, 20));
    s.createSnapshot(10, THREE, "state@10".getBytes(UTF_8));
    restart();
    RocksLogStorage again = logs.storage(8);
    again.createSnapshot(15, THREE, "state@15".getBytes(UTF_8));
    again.compact(15);
    assertEquals(List.of(), storedEntryIndexes(8, 0, 16));
    assertEquals(LongStream.rangeClosed(16, 20).boxed().toList(), storedEntryIndexes(8, 0, 21));
  }

  @Test
  void concurrentSnapshotsAndCompactionsLeaveTheNewestRecordsOnDisk() throws Exception {
    // Each round races two snapshots, then two compactions, of one group from two threads. A call
    // that decided what to write before the other wrote must not land after it: the store would
    // then record an older snapshot or truncation point than the entries it already deleted.
    try (var threads = Executors.newFixedThreadPool(2)) {
      for (long group = 1; group <= 300; group++) {
        RocksLogStorage s = logs.storage(group);
        write(logs, s, null, entries(1, 1, 40));
        race(
            threads,
            () -> s.createSnapshot(20, THREE, new byte[0]),
            () -> s.createSnapshot(30, THREE, new byte[0]));
        byte[] snap = engine.get(ColumnFamily.RAFT_LOG, RaftLogKeys.snapshot(group));
        assertEquals(30, RaftLogCodec.snapshot(snap, "test").index(), "snapshot of group " + group);
        race(threads, () -> s.compact(10), () -> s.compact(25));
        byte[] cut = engine.get(ColumnFamily.RAFT_LOG, RaftLogKeys.truncated(group));
        assertEquals(
            25, RaftLogCodec.truncated(cut, "test").index(), "truncation of group " + group);
        assertEquals(
            LongStream.rangeClosed(26, 40).boxed().toList(), storedEntryIndexes(group, 0, 41));
      }
    }
  }

  private static void race(ExecutorService threads, Runnable a, Runnable b) throws Exception {
    CyclicBarrier start = new CyclicBarrier(2);
    List<Future<?>> done = new ArrayList<>();
    for (Runnable r : List.of(a, b)) {
      done.add(
          threads.submit(
              () -> {
                start.await();
                r.run();
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
  }

  /** The indexes of the entries RocksDB itself holds for {@code group} in [lo, hi). */
  private List<Long> storedEntryIndexes(long group, long lo, long hi) {
    List<Long> out = new ArrayList<>();
    for (long i = lo; i < hi; i++) {
      if (engine.get(ColumnFamily.RAFT_LOG, RaftLogKeys.entry(group, i)) != null) {
        out.add(i);
      }
    }
    return out;
  }

  @Test
  void installingASnapshotReplacesTheWholeLog() {
    RocksLogStorage s = logs.bootstrap(7, THREE, null);
    write(logs, s, null, entries(1, 2, 5));
    ConfState four = ConfState.ofVoters(1L, 2L, 3L, 4L);
    try (RocksLogBatch b = logs.newBatch()) {
      s.stage(b, new HardState(3, 0, 20), null, new Snapshot(20, 3, four, "img".getBytes(UTF_8)));
      b.commit();
    }
    assertEquals(21, s.firstIndex());
    assertEquals(20, s.lastIndex());
    assertEquals(3, s.term(20));
    assertEquals(four, s.confState());
    restart();
    RocksLogStorage again = logs.storage(7);
    assertEquals(20, again.lastIndex());
    assertEquals(four, again.confState());
    write(logs, again, null, entries(3, 21, 22));
    assertEquals(entries(3, 21, 22), again.entries(21, 23, Long.MAX_VALUE));
  }

  /**
   * The entry cache must answer every read exactly as RocksDB would, through appends, overwrites by
   * new leaders, compactions, installed snapshots, entries Raft released, and evictions (a budget
   * of a few entries).
   */
  @Test
  void readsThroughTheEntryCacheMatchReadsFromRocksDb() {
    long seed = 20261201;
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    try (StoreEngine bare = StoreEngine.open(StoreOptions.onDisk(dir.resolve("bare")))) {
      RaftLogStore uncached = new RaftLogStore(bare, 0);
      RaftLogStore cached = new RaftLogStore(engine, 600);
      List<RocksLogStorage[]> pairs = new ArrayList<>();
      for (long g = 1; g <= 3; g++) {
        pairs.add(
            new RocksLogStorage[] {
              cached.bootstrap(g, THREE, null), uncached.bootstrap(g, THREE, null)
            });
      }
      long term = 1;
      for (int step = 0; step < 2_000; step++) {
        RocksLogStorage[] p = pairs.get(rng.nextInt(pairs.size()));
        RocksLogStorage a = p[0];
        long first = a.firstIndex();
        long last = a.lastIndex();
        int op = rng.nextInt(22);
        if (op >= 20) {
          long through = first - 1 + rng.nextLong(last - first + 2);
          a.releaseThrough(through);
          p[1].releaseThrough(through);
        } else if (op < 14 || last < first) {
          List<Entry> ents = entries(term, last + 1, last + 1 + rng.nextInt(4));
          write(cached, a, null, ents);
          write(uncached, p[1], null, ents);
        } else if (op < 17) {
          term++;
          long from = first + rng.nextLong(last - first + 1);
          List<Entry> ents = entries(term, from, from + rng.nextInt(3));
          write(cached, a, new HardState(term, 0, 0), ents);
          write(uncached, p[1], new HardState(term, 0, 0), ents);
        } else if (op < 19) {
          long to = first + rng.nextLong(last - first + 1);
          for (RocksLogStorage s : p) {
            s.createSnapshot(to, THREE, null);
            s.compact(to);
          }
        } else {
          Snapshot snap = new Snapshot(last + 5, term, THREE, null);
          try (RocksLogBatch b = cached.newBatch()) {
            a.stage(b, null, null, snap);
            b.commit();
          }
          try (RocksLogBatch b = uncached.newBatch()) {
            p[1].stage(b, null, null, snap);
            b.commit();
          }
        }
        assertEquals(p[1].firstIndex(), a.firstIndex(), "seed " + seed + " step " + step);
        assertEquals(p[1].lastIndex(), a.lastIndex(), "seed " + seed + " step " + step);
        for (int r = 0; r < 3 && a.lastIndex() >= a.firstIndex(); r++) {
          long lo = a.firstIndex() + rng.nextLong(a.lastIndex() - a.firstIndex() + 1);
          long hi = lo + 1 + rng.nextLong(a.lastIndex() - lo + 1);
          long max = rng.nextBoolean() ? Long.MAX_VALUE : 1 + rng.nextInt(200);
          assertEquals(
              p[1].entries(lo, hi, max), a.entries(lo, hi, max), "seed " + seed + " step " + step);
          assertEquals(p[1].term(lo), a.term(lo), "seed " + seed + " step " + step);
        }
      }
      assertTrue(
          cached.entryCache().hits() > 1_000,
          "the cache served reads: " + cached.entryCache().hits());
      assertTrue(cached.entryCache().misses() > 0, "and the small budget made some miss");
      assertTrue(cached.entryCache().bytes() <= 600);
    }
  }

  @Test
  void releasedEntriesLeaveTheCacheAndAreStillReadFromRocksDb() {
    RaftLogStore store = new RaftLogStore(engine, 1 << 20);
    RocksLogStorage s = store.bootstrap(1, THREE, null);
    write(store, s, null, entries(1, 2, 11));
    long cachedBefore = store.entryCache().bytes();
    s.releaseThrough(9);
    assertEquals(
        cachedBefore - entries(1, 2, 9).stream().mapToLong(Entry::sizeBytes).sum(),
        store.entryCache().bytes());
    long missesBefore = store.entryCache().misses();
    assertEquals(entries(1, 2, 11), s.entries(2, 12, Long.MAX_VALUE));
    assertEquals(missesBefore + 1, store.entryCache().misses(), "read back from RocksDB");
    assertEquals(entries(1, 10, 11), s.entries(10, 12, Long.MAX_VALUE));
    assertEquals(missesBefore + 1, store.entryCache().misses(), "the rest still cached");
  }

  @Test
  void theRaftLogFamilyInsertsWithAHintPerGroupAndKind() throws java.io.IOException {
    // RocksJava has no setter for this option; check that RocksDB took it from the properties.
    java.nio.file.Path options;
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
      options =
          files
              .filter(f -> f.getFileName().toString().startsWith("OPTIONS-"))
              .max(java.util.Comparator.naturalOrder())
              .orElseThrow();
    }
    String text = java.nio.file.Files.readString(options);
    String raftLog = text.substring(text.indexOf("[CFOptions \"raft_log\"]"));
    raftLog = raftLog.substring(0, raftLog.indexOf("[TableOptions"));
    assertTrue(
        raftLog.contains("memtable_insert_with_hint_prefix_extractor=rocksdb.CappedPrefix.9"),
        raftLog);
  }

  @Test
  void groupIdsAtTheEndsOfTheByteOrderAreListed() {
    logs.bootstrap(-1L, THREE, null);
    logs.bootstrap(Long.MAX_VALUE, THREE, null);
    logs.bootstrap(0L, THREE, null);
    assertEquals(List.of(0L, Long.MAX_VALUE, -1L), logs.groups());
  }

  @Test
  void groupsSharingTheColumnFamilyAreIsolated() {
    RocksLogStorage a = logs.bootstrap(1, THREE, null);
    RocksLogStorage b = logs.bootstrap(2, THREE, null);
    write(logs, a, null, entries(1, 2, 8));
    write(logs, b, null, entries(1, 2, 8));
    write(logs, a, new HardState(3, 2, 3), entries(2, 3, 3));
    assertEquals(3, a.lastIndex());
    assertEquals(8, b.lastIndex());
    // Destroyed in one batch with another group's write: nothing changes before it is durable.
    try (RocksLogBatch batch = logs.newBatch()) {
      logs.destroy(batch, 1);
      b.stage(batch, null, entries(1, 9, 9), null);
      batch.write();
      assertSame(a, logs.storage(1), "the destroyed log stays in memory until durable");
      assertEquals(8, b.lastIndex());
      logs.sync();
      batch.markDurable();
    }
    assertNotSame(a, logs.storage(1), "dropped once durable");
    assertEquals(9, b.lastIndex());
    assertEquals(List.of(2L), logs.groups());
    assertEquals(entries(1, 2, 9), b.entries(2, 10, Long.MAX_VALUE));
    // Only the term and vote stay, so that a replica opened here again never votes twice in one
    // term; also after the store is opened again.
    for (RaftLogStore store : List.of(logs, new RaftLogStore(engine))) {
      RocksLogStorage gone = store.storage(1);
      assertEquals(new HardState(3, 2, 0), gone.hardState());
      assertEquals(0, gone.lastIndex());
      assertEquals(0, gone.snapshot().index());
      assertEquals(new LostLog(3, 2), gone.lostLog(), "where the destroyed log ended");
    }
    // Added back: an old snapshot does not move it; the group is listed again.
    RocksLogStorage back = logs.storage(1);
    try (RocksLogBatch batch = logs.newBatch()) {
      back.stage(batch, null, List.of(), new Snapshot(2, 1, THREE, null));
      batch.commit();
    }
    assertEquals(new LostLog(3, 2), new RaftLogStore(engine).storage(1).lostLog());
    assertEquals(List.of(1L, 2L), logs.groups());
    // Destroyed again: the later of the two ends stays.
    try (RocksLogBatch batch = logs.newBatch()) {
      logs.destroy(batch, 1);
      batch.commit();
    }
    assertEquals(new LostLog(3, 2), logs.storage(1).lostLog());
  }

  @Test
  void aDamagedRecordIsReportedAsCorruptionNotMisread() {
    logs.bootstrap(7, THREE, null);
    try (EngineBatch eb = engine.newBatch()) {
      eb.put(ColumnFamily.RAFT_LOG, RaftLogKeys.hardState(7), new byte[] {1, 2, 3});
      engine.write(eb, true);
    }
    StoreCorruptedException e =
        assertThrows(StoreCorruptedException.class, () -> new RaftLogStore(engine).storage(7));
    assertTrue(e.getMessage().contains("group 7"), e.getMessage());
    try (EngineBatch eb = engine.newBatch()) {
      eb.put(ColumnFamily.RAFT_LOG, RaftLogKeys.hardState(7), new byte[] {9, 0});
      engine.write(eb, true);
    }
    e = assertThrows(StoreCorruptedException.class, () -> new RaftLogStore(engine).storage(7));
    assertTrue(e.getMessage().contains("unknown Raft log record format 9"), e.getMessage());
  }

  @Test
  void aLogTruncatedBeyondItsSnapshotIsReportedAsCorruption() {
    RocksLogStorage s = logs.storage(9);
    write(logs, s, null, entries(1, 1, 20));
    s.createSnapshot(10, THREE, "state@10".getBytes(UTF_8));
    s.compact(10);
    // As if the snapshot record were older than the entries already deleted.
    try (EngineBatch eb = engine.newBatch()) {
      eb.put(
          ColumnFamily.RAFT_LOG,
          RaftLogKeys.snapshot(9),
          RaftLogCodec.snapshot(new Snapshot(5, 1, THREE, "state@5".getBytes(UTF_8))));
      engine.write(eb, true);
    }
    StoreCorruptedException e =
        assertThrows(StoreCorruptedException.class, () -> new RaftLogStore(engine).storage(9));
    assertTrue(
        e.getMessage().contains("group 9: truncated through 10, beyond its snapshot at 5"),
        e.getMessage());
  }

  /**
   * Reads check the log's bounds under its lock but read RocksDB without it: a compaction in
   * between must show as a log that moved on, never as a damaged store (which would stop a host).
   */
  @Test
  void aReadRacingACompactionSeesTheLogCompactedNotCorrupt() throws Exception {
    RaftLogStore uncached = new RaftLogStore(engine, 0); // every read goes to RocksDB
    RocksLogStorage s = uncached.bootstrap(7, THREE, null);
    long last = 20_001;
    for (long from = 2; from <= last; from += 1000) {
      write(uncached, s, null, entries(1, from, Math.min(last, from + 999)));
    }
    s.createSnapshot(last - 100, THREE, new byte[0]);
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<Throwable> corrupt = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              while (!done.get() && corrupt.get() == null) {
                long f = s.firstIndex();
                try {
                  assertEquals(f, s.entries(f, f + 4, Long.MAX_VALUE).get(0).index());
                  assertEquals(1, s.term(f + 1));
                } catch (LogCompactedException e) {
                  // the log moved on under the read: what a reader racing a compaction may see
                } catch (StoreCorruptedException | AssertionError e) {
                  corrupt.set(e);
                }
              }
            },
            "racing-reader");
    reader.start();
    try {
      for (long i = 3; i < last - 100 && corrupt.get() == null; i += 2) {
        s.compact(i);
      }
    } finally {
      done.set(true);
      reader.join();
    }
    assertNull(corrupt.get(), () -> "a read racing a compaction: " + corrupt.get());
  }

  /**
   * The log publishes a run by its last index, so a run with a hole would be acknowledged and then
   * read back as a damaged store: it is refused before anything is written.
   */
  @Test
  void aRunOfEntriesWithAHoleIsRefusedAndNothingIsWritten() {
    RocksLogStorage s = logs.bootstrap(7, THREE, null);
    List<Entry> holed =
        List.of(Entry.normal(2, 2, new byte[] {2}), Entry.normal(2, 4, new byte[] {4}));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> write(logs, s, null, holed));
    assertTrue(e.getMessage().contains("not consecutive"), e.getMessage());
    assertEquals(1, s.lastIndex());
    restart();
    assertEquals(1, logs.storage(7).lastIndex(), "nothing of the run reached the disk");
  }

  /**
   * A snapshot not newer than the log's own changes nothing, on disk as in memory (the in-memory
   * log ignores it too); staged as it was, it deleted every entry on disk while the log in memory
   * kept them, so a restart found them gone.
   */
  @Test
  void aSnapshotNotNewerThanTheLogsOwnChangesNothing() {
    RocksLogStorage s = logs.bootstrap(7, THREE, null);
    write(logs, s, null, entries(1, 2, 10));
    s.createSnapshot(8, THREE, new byte[0]);
    for (long index : new long[] {5, 8}) {
      try (RocksLogBatch b = logs.newBatch()) {
        s.stage(b, null, null, new Snapshot(index, 1, THREE, new byte[0]));
        b.commit();
      }
    }
    assertEquals(2, s.firstIndex());
    assertEquals(10, s.lastIndex());
    assertEquals(8, s.snapshot().index());
    restart();
    RocksLogStorage back = logs.storage(7);
    assertEquals(10, back.lastIndex());
    assertEquals(9, back.entries(2, 11, Long.MAX_VALUE).size(), "every entry is still on disk");
  }
}
