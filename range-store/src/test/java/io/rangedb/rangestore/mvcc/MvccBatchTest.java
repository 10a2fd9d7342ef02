package io.rangedb.rangestore.mvcc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.rangestore.storage.BatchCorruptedException;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineIterator;
import io.rangedb.rangestore.storage.EngineReader;
import io.rangedb.rangestore.storage.IterOptions;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import io.rangedb.txn.hlc.Timestamp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command evaluated in one {@link MvccBatch}: its operations see each other's writes, nothing
 * reaches the store before the end, and its serialized form applied to another store gives that
 * store the same contents. {@link MvccModelTest} checks random commands against the model.
 */
class MvccBatchTest {
  private static final byte[] START = {};
  private static final byte[] END = {(byte) 0xFF};

  @TempDir Path dir;
  private StoreEngine engine;
  private MvccStore store;
  private final MvccStats stats = new MvccStats();

  private final TxnMeta alice = new TxnMeta(new UUID(0, 1), 0, ts(10), 0);
  private final TxnMeta bob = new TxnMeta(new UUID(0, 2), 0, ts(20), 0);

  @BeforeEach
  void open() {
    engine = StoreEngine.open(StoreOptions.onDisk(dir.resolve("leaseholder")));
    store = new MvccStore(engine, false);
  }

  @AfterEach
  void close() {
    assertEquals(MvccStats.compute(engine, START, END), stats, "incremental stats stay exact");
    engine.close();
  }

  private static Timestamp ts(long wall) {
    return Timestamp.ofWall(wall);
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private static String value(KeyValue kv) {
    return kv == null ? null : new String(kv.value(), UTF_8);
  }

  @Test
  void operationsOfACommandSeeEachOthersWritesAndNothingIsWrittenBeforeTheEnd() {
    store.put(b("k"), ts(5), b("old"), stats);
    try (MvccBatch batch = store.newBatch()) {
      batch.put(b("k"), alice, b("mine"));
      assertEquals("mine", value(batch.get(b("k"), ReadAt.at(ts(10)).withTxn(alice))));
      batch.put(b("k"), alice, b("mine again")); // rewriting its own intent
      assertEquals("mine again", value(batch.get(b("k"), ReadAt.at(ts(10)).withTxn(alice))));
      assertThrows(
          WriteIntentException.class,
          () -> batch.put(b("k"), bob, b("theirs")),
          "the batch's own intent conflicts like a written one");
      assertThrows(
          WriteIntentException.class, () -> batch.get(b("k"), ReadAt.at(ts(11))), "a reader");
      assertTrue(batch.resolveIntent(b("k"), alice, TxnStatus.COMMITTED));
      assertEquals("mine again", value(batch.get(b("k"), ReadAt.at(ts(10)))));
      assertThrows(
          WriteTooOldException.class,
          () -> batch.put(b("k"), ts(10), b("late")),
          "the version the batch committed is newest");
      batch.put(b("j"), ts(7), b("j7"));
      batch.put(b("j"), ts(8), b("j8"));
      assertEquals(2, batch.scan(START, END, ReadAt.at(ts(10)), ScanOptions.FORWARD).rows().size());
      assertEquals("old", value(store.get(b("k"), ReadAt.at(ts(10)))), "nothing written yet");
      assertNull(store.get(b("j"), ReadAt.at(ts(10))));
      batch.commit(true, stats);
      assertThrows(IllegalStateException.class, () -> batch.put(b("x"), ts(1), b("x")));
    }
    assertEquals("mine again", value(store.get(b("k"), ReadAt.at(ts(10)))));
    assertEquals("old", value(store.get(b("k"), ReadAt.at(ts(9)))));
    assertEquals("j8", value(store.get(b("j"), ReadAt.at(ts(10)))));
  }

  @Test
  void aFailedOperationLeavesTheBatchAndItsDeltaAsTheyWere() {
    store.put(b("b"), bob, b("bob's"), stats);
    try (MvccBatch batch = store.newBatch()) {
      batch.put(b("a"), ts(30), b("a"));
      batch.put(b("c"), ts(30), b("c"));
      MvccStats before = batch.stats();
      // Deletes "a" (written by the batch) first, then meets bob's intent on "b".
      assertThrows(WriteIntentException.class, () -> batch.deleteRange(START, END, ts(40), null));
      assertEquals(before, batch.stats());
      assertEquals("a", value(batch.get(b("a"), ReadAt.at(ts(50)))));
      batch.commit(false, stats);
    }
    assertEquals("a", value(store.get(b("a"), ReadAt.at(ts(50)))));
  }

  /**
   * A leaseholder evaluates random commands; each one's serialized batch is applied to a follower,
   * another store in another directory, as Raft would, and to the leaseholder itself. Both end with
   * identical records and statistics.
   */
  @Test
  void reprAppliedOnAnotherStoreGivesIdenticalContentsAndStats() {
    MvccStats followerStats = new MvccStats();
    try (StoreEngine followerEngine =
        StoreEngine.open(StoreOptions.onDisk(dir.resolve("follower")))) {
      MvccStore follower = new MvccStore(followerEngine, true);
      Random r = new Random(42);
      TxnMeta[] txns = {alice, bob, null};
      int applied = 0;
      for (int command = 0; command < 300; command++) {
        byte[] repr;
        MvccStats delta;
        try (MvccBatch batch = store.newBatch()) {
          int ops = 1 + r.nextInt(6);
          for (int i = 0; i < ops; i++) {
            byte[] key = b("k" + r.nextInt(12));
            TxnMeta txn = txns[r.nextInt(txns.length)];
            Timestamp t = ts(1 + command / 3 + r.nextInt(5));
            try {
              switch (r.nextInt(7)) {
                case 0, 1 -> {
                  if (txn == null) {
                    batch.put(key, t, b("v" + command));
                  } else {
                    batch.put(key, txn, b("v" + command));
                  }
                }
                case 2 -> batch.get(key, ReadAt.at(t));
                case 3 -> batch.resolveIntent(key, txns[r.nextInt(2)], TxnStatus.COMMITTED);
                case 4 ->
                    batch.resolveIntentRange(START, END, txns[r.nextInt(2)], TxnStatus.ABORTED);
                case 5 -> batch.deleteRange(b("k3"), b("k6"), t, txn);
                default -> batch.gc(START, END, ts(command / 3));
              }
            } catch (MvccConflictException e) {
              // the command goes on without that operation, as a real one may
            }
          }
          if (batch.isEmpty()) {
            continue;
          }
          delta = batch.stats();
          repr = batch.repr();
        }
        store.applyRepr(repr, delta, stats);
        follower.applyRepr(repr, delta, followerStats);
        applied++;
      }
      assertTrue(applied > 100, "applied " + applied);
      assertEquals(records(engine), records(followerEngine));
      assertEquals(stats, followerStats);
      assertEquals(MvccStats.compute(followerEngine, START, END), followerStats);
      assertTrue(stats.keyCount > 5, stats.toString());
    }
  }

  @Test
  void corruptReprIsRefusedAndChangesNothing() {
    store.put(b("k"), ts(5), b("old"), stats);
    byte[] repr;
    MvccStats delta;
    try (MvccBatch batch = store.newBatch()) {
      batch.put(b("k"), ts(6), b("new"));
      batch.put(b("l"), ts(6), b("new"));
      delta = batch.stats();
      repr = batch.repr();
    }
    List<String> before = records(engine);
    MvccStats statsBefore = new MvccStats();
    statsBefore.add(stats);
    for (byte[] bad :
        List.of(Arrays.copyOf(repr, repr.length - 2), Arrays.copyOf(repr, 5), flip(repr, 8))) {
      assertThrows(BatchCorruptedException.class, () -> store.applyRepr(bad, delta, stats));
      assertEquals(before, records(engine));
      assertEquals(statsBefore, stats);
    }
    store.applyRepr(repr, delta, stats);
    assertEquals("new", value(store.get(b("l"), ReadAt.at(ts(6)))));
  }

  private static byte[] flip(byte[] bytes, int at) {
    byte[] copy = bytes.clone();
    copy[at] ^= 0x40;
    return copy;
  }

  private static List<String> records(EngineReader reader) {
    List<String> out = new ArrayList<>();
    HexFormat hex = HexFormat.of();
    try (EngineIterator it = reader.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED)) {
      for (it.seekToFirst(); it.valid(); it.next()) {
        out.add(hex.formatHex(it.key()) + "=" + hex.formatHex(it.value()));
      }
    }
    return out;
  }
}
