package io.rangedb.rangestore.mvcc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.rangestore.storage.InMemoryStorage;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import io.rangedb.txn.hlc.Timestamp;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The MVCC rules one scenario at a time; {@link MvccModelTest} covers their combinations. */
class MvccStoreTest {
  private static final byte[] START = {};
  private static final byte[] END = {(byte) 0xFF};

  private InMemoryStorage memory;
  private StoreEngine engine;
  private MvccStore store;
  private final MvccStats stats = new MvccStats();

  private final TxnMeta alice = new TxnMeta(new UUID(0, 1), 0, ts(10), 0);
  private final TxnMeta bob = new TxnMeta(new UUID(0, 2), 0, ts(20), 0);

  @BeforeEach
  void open() {
    memory = new InMemoryStorage();
    engine = StoreEngine.open(StoreOptions.inMemory(memory, "s"));
    store = new MvccStore(engine, false);
  }

  @AfterEach
  void close() {
    assertEquals(MvccStats.compute(engine, START, END), stats, "incremental stats stay exact");
    engine.close();
    memory.close();
  }

  private static Timestamp ts(long wall) {
    return Timestamp.ofWall(wall);
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private String read(String key, ReadAt read) {
    KeyValue kv = store.get(b(key), read);
    return kv == null ? null : new String(kv.value(), UTF_8);
  }

  @Test
  void readsSeeTheNewestVersionAtOrBelowTheirTimestamp() {
    store.put(b("k"), ts(5), b("v5"), stats);
    store.put(b("k"), ts(9), b("v9"), stats);
    store.delete(b("k"), ts(12), stats);
    assertNull(read("k", ReadAt.at(ts(4))));
    assertEquals("v5", read("k", ReadAt.at(ts(5))));
    assertEquals("v5", read("k", ReadAt.at(ts(8))));
    assertEquals("v9", read("k", ReadAt.at(ts(11))));
    assertNull(read("k", ReadAt.at(ts(12))), "a deletion hides older versions");
    assertEquals(1, stats.keyCount);
    assertEquals(0, stats.liveCount);
  }

  @Test
  void emptyValueIsAValueNotADeletion() {
    store.put(b("k"), ts(5), new byte[0], stats);
    assertArrayEquals(new byte[0], store.get(b("k"), ReadAt.at(ts(6))).value());
  }

  @Test
  void intentIsVisibleToItsTransactionAndAConflictForOthers() {
    store.put(b("k"), ts(5), b("committed"), stats);
    store.put(b("k"), alice, b("mine"), stats);
    assertEquals("mine", read("k", ReadAt.at(ts(10)).withTxn(alice)));
    WriteIntentException e =
        assertThrows(WriteIntentException.class, () -> read("k", ReadAt.at(ts(10))));
    assertEquals(alice.id(), e.holder().id());
    assertEquals("committed", read("k", ReadAt.at(ts(9))), "readers below the intent pass it");
    TxnMeta aliceRestarted = new TxnMeta(alice.id(), 1, ts(11), 0);
    assertEquals(
        "committed",
        read("k", ReadAt.at(ts(11)).withTxn(aliceRestarted)),
        "an intent of an abandoned epoch is not read back");
  }

  @Test
  void uncertainValuesAndIntentsAreReported() {
    store.put(b("k"), ts(15), b("later"), stats);
    ReadAt read = ReadAt.at(ts(10)).withUncertaintyLimit(ts(15));
    ReadWithinUncertaintyException e =
        assertThrows(ReadWithinUncertaintyException.class, () -> read("k", read));
    assertEquals(ts(15), e.valueTimestamp());
    assertNull(read("k", ReadAt.at(ts(10)).withUncertaintyLimit(ts(14))));
    store.put(b("j"), alice.withWriteTimestamp(ts(12)), b("x"), stats);
    assertThrows(ReadWithinUncertaintyException.class, () -> read("j", read));
  }

  @Test
  void writersGetWriteTooOldWithARetryTimestampAndIntentConflicts() {
    store.put(b("k"), ts(20), b("v"), stats);
    WriteTooOldException e =
        assertThrows(WriteTooOldException.class, () -> store.put(b("k"), alice, b("x"), stats));
    assertEquals(ts(20).next(), e.retryTimestamp());
    store.put(b("k"), alice.withWriteTimestamp(e.retryTimestamp()), b("x"), stats);
    assertThrows(
        WriteIntentException.class,
        () -> store.put(b("k"), bob.withWriteTimestamp(ts(30)), b("y"), stats));
    assertThrows(WriteIntentException.class, () -> store.put(b("k"), ts(40), b("z"), stats));
  }

  @Test
  void commitAtAHigherTimestampMovesTheValue() {
    store.put(b("k"), alice, b("v"), stats);
    TxnMeta committed = alice.withWriteTimestamp(ts(14));
    assertTrue(store.resolveIntent(b("k"), committed, TxnStatus.COMMITTED, stats));
    assertFalse(store.resolveIntent(b("k"), committed, TxnStatus.COMMITTED, stats), "idempotent");
    assertNull(read("k", ReadAt.at(ts(13))), "nothing at the provisional timestamp any more");
    KeyValue kv = store.get(b("k"), ReadAt.at(ts(14)));
    assertEquals(ts(14), kv.timestamp());
    assertEquals(0, stats.intentCount);
  }

  @Test
  void abortRemovesAndPushMovesIntentsOverASpan() {
    for (String k : List.of("a", "b", "c")) {
      store.put(b(k), alice, b(k), stats);
    }
    store.put(b("d"), bob, b("d"), stats);
    assertEquals(
        3,
        store.resolveIntentRange(
            b("a"), b("z"), alice.withWriteTimestamp(ts(18)), TxnStatus.PENDING, stats));
    assertNull(read("b", ReadAt.at(ts(17))), "pushed intents no longer block reads below 18");
    assertEquals(3, store.resolveIntentRange(b("a"), b("z"), alice, TxnStatus.ABORTED, stats));
    assertEquals(0, store.resolveIntentRange(b("a"), b("z"), alice, TxnStatus.ABORTED, stats));
    assertNull(read("a", ReadAt.at(ts(100)).withTxn(alice)));
    assertEquals(1, stats.intentCount, "bob's intent is untouched");
  }

  @Test
  void scansPageWithLimitsInBothDirections() {
    for (String k : List.of("a", "b", "c", "d", "e")) {
      store.put(b(k), ts(5), b("value-" + k), stats);
    }
    ScanResult first =
        store.scan(b("a"), b("z"), ReadAt.at(ts(6)), ScanOptions.FORWARD.withMaxKeys(2));
    assertEquals(List.of("a", "b"), keys(first));
    ScanResult rest =
        store.scan(first.resumeStart(), first.resumeEnd(), ReadAt.at(ts(6)), ScanOptions.FORWARD);
    assertEquals(List.of("c", "d", "e"), keys(rest));
    assertFalse(rest.hasResume());

    ScanResult back =
        store.scan(b("a"), b("z"), ReadAt.at(ts(6)), ScanOptions.REVERSE.withTargetBytes(10));
    assertEquals(List.of("e", "d"), keys(back), "stops once 10 bytes are reached");
    ScanResult backRest =
        store.scan(back.resumeStart(), back.resumeEnd(), ReadAt.at(ts(6)), ScanOptions.REVERSE);
    assertEquals(List.of("c", "b", "a"), keys(backRest));
  }

  @Test
  void deleteRangeTombstonesLiveKeysAndGcReclaimsShadowedVersions() {
    for (String k : List.of("a", "b", "c")) {
      store.put(b(k), ts(5), b("old"), stats);
      store.put(b(k), ts(7), b("new"), stats);
    }
    List<byte[]> deleted = store.deleteRange(b("a"), b("c"), ts(9), null, stats);
    assertEquals(2, deleted.size());
    assertEquals(
        List.of("c"), keys(store.scan(START, END, ReadAt.at(ts(10)), ScanOptions.FORWARD)));
    assertEquals(
        List.of("a", "b", "c"),
        keys(store.scan(START, END, ReadAt.at(ts(8)), ScanOptions.FORWARD)));

    // Below 8: each key keeps its version at 7, loses the one at 5.
    assertEquals(3, store.gc(START, END, ts(8), stats));
    assertEquals("new", read("a", ReadAt.at(ts(8))));
    // At 9: the tombstones of a and b and everything under them go; c keeps its newest version.
    assertEquals(4, store.gc(START, END, ts(9), stats));
    assertEquals(1, stats.keyCount);
    assertEquals("new", read("c", ReadAt.at(ts(100))));
  }

  @Test
  void dataAndStatsSurviveAStoreRestart() {
    store.put(b("k"), ts(5), b("v"), stats);
    store.put(b("i"), alice, b("provisional"), stats);
    engine.close();
    engine = StoreEngine.open(StoreOptions.inMemory(memory, "s"));
    store = new MvccStore(engine, false);
    assertEquals("v", read("k", ReadAt.at(ts(6))));
    assertEquals("provisional", read("i", ReadAt.at(ts(10)).withTxn(alice)));
  }

  private static List<String> keys(ScanResult r) {
    return r.rows().stream().map(kv -> new String(kv.key(), UTF_8)).toList();
  }

  private static List<String> strings(List<byte[]> keys) {
    return keys.stream().map(k -> new String(k, UTF_8)).toList();
  }

  /**
   * A restarted transaction's deleteRange sees keys as its reads do: its own intents of the epoch
   * it abandoned are not there. Else a row it reads ("v", under its epoch-0 deletion) survives its
   * DELETE, and a row it never saw (its epoch-0 insert) is counted as deleted.
   */
  @Test
  void deleteRangeOfARestartedTransactionSeesPastItsAbandonedIntents() {
    store.put(b("k"), ts(5), b("v"), stats);
    store.delete(b("k"), alice, stats); // epoch 0
    store.put(b("m"), alice, b("provisional"), stats); // epoch 0, over nothing
    TxnMeta restarted = new TxnMeta(alice.id(), 1, ts(12), 0);
    ReadAt asRestarted = ReadAt.at(ts(12)).withTxn(restarted);
    assertEquals("v", read("k", asRestarted));
    assertNull(read("m", asRestarted));

    List<byte[]> deleted = store.deleteRange(b("a"), b("z"), ts(12), restarted, stats);

    assertEquals(List.of("k"), strings(deleted), "the rows it could see, and only those");
    assertNull(read("k", asRestarted), "its own DELETE shows to it");
    store.resolveIntentRange(b("a"), b("z"), restarted, TxnStatus.COMMITTED, stats);
    assertNull(read("k", ReadAt.at(ts(20))), "the committed DELETE removed the row");
    assertNull(read("m", ReadAt.at(ts(20))), "the abandoned insert is gone");
  }

  /**
   * A write of an earlier sequence than the transaction's intent on the key (a request retried
   * after an ambiguous outcome) is a replay: it does not undo the later write.
   */
  @Test
  void aReplayedEarlierWriteOfATransactionLeavesItsLaterWrite() {
    TxnMeta seq1 = new TxnMeta(alice.id(), 0, ts(10), 1);
    TxnMeta seq2 = new TxnMeta(alice.id(), 0, ts(10), 2);
    store.put(b("k"), seq1, b("v1"), stats);
    store.put(b("k"), seq2, b("v2"), stats);
    store.put(b("k"), seq1, b("v1"), stats); // the seq-1 request, retried
    store.delete(b("k"), seq1, stats);
    assertEquals(List.of(), store.deleteRange(b("a"), b("z"), ts(10), seq1, stats));
    assertEquals("v2", read("k", ReadAt.at(ts(10)).withTxn(seq2)));
    TxnMeta seq3 = new TxnMeta(alice.id(), 0, ts(10), 3);
    store.put(b("k"), seq3, b("v3"), stats); // a later write still replaces it
    assertEquals("v3", read("k", ReadAt.at(ts(10)).withTxn(seq3)));
    TxnMeta nextEpoch = new TxnMeta(alice.id(), 1, ts(11), 0);
    store.put(b("k"), nextEpoch, b("e1"), stats); // and so does any write of a later epoch
    assertEquals("e1", read("k", ReadAt.at(ts(11)).withTxn(nextEpoch)));
  }
}
