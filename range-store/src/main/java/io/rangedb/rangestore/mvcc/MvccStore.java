package io.rangedb.rangestore.mvcc;

import io.rangedb.rangestore.mvcc.MvccStats.Head;
import io.rangedb.rangestore.mvcc.MvccValues.Intent;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.IterOptions;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.txn.hlc.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * MVCC operations on a store's {@link ColumnFamily#MVCC} data. Each write operation checks for
 * conflicts first, then applies all its changes in one atomic batch, and only then adds its
 * statistics delta to the caller's {@link MvccStats}: a conflict leaves data and statistics
 * untouched. Callers serialize writes to overlapping keys (latches do, above this layer).
 *
 * <p>Writers' rules: another transaction's intent on the key is a {@link WriteIntentException}; a
 * committed version at or above the write timestamp is a {@link WriteTooOldException}. A
 * transaction rewriting its own intent replaces it (keeping its timestamp if it was pushed higher).
 * Only the newest write of a transaction to a key is kept (no per-sequence history).
 */
public final class MvccStore {
  private final StoreEngine engine;
  private final boolean sync;

  /**
   * @param sync whether each operation's batch is fsynced before returning
   */
  public MvccStore(StoreEngine engine, boolean sync) {
    this.engine = engine;
    this.sync = sync;
  }

  public StoreEngine engine() {
    return engine;
  }

  public KeyValue get(byte[] key, ReadAt read) {
    return MvccReads.get(engine, key, read);
  }

  public ScanResult scan(byte[] start, byte[] end, ReadAt read, ScanOptions options) {
    return MvccReads.scan(engine, start, end, read, options);
  }

  /** A non-transactional write of a committed version at {@code ts}. */
  public void put(byte[] key, Timestamp ts, byte[] value, MvccStats stats) {
    write(key, ts, null, value, stats);
  }

  /** A transactional write: an intent at the transaction's write timestamp. */
  public void put(byte[] key, TxnMeta txn, byte[] value, MvccStats stats) {
    write(key, txn.writeTimestamp(), txn, value, stats);
  }

  /** A non-transactional deletion: a tombstone version at {@code ts}. */
  public void delete(byte[] key, Timestamp ts, MvccStats stats) {
    write(key, ts, null, null, stats);
  }

  /** A transactional deletion: an intent holding a tombstone. */
  public void delete(byte[] key, TxnMeta txn, MvccStats stats) {
    write(key, txn.writeTimestamp(), txn, null, stats);
  }

  private void write(byte[] key, Timestamp ts, TxnMeta txn, byte[] value, MvccStats stats) {
    byte[] ik = MvccKeys.intentKey(key);
    MvccStats delta = new MvccStats();
    KeyRecords r = loadLatest(key, ik);
    checkWritable(r, ts, txn);
    try (EngineBatch batch = engine.newBatch()) {
      writeKey(r, ts, txn, value, batch, delta);
      engine.write(batch, sync);
    }
    stats.add(delta);
  }

  /**
   * The intent and newest version of one key, through the engine's kept iterator: a write's read
   * costs a refresh instead of creating and destroying a RocksDB iterator. KeyRecords holds copies,
   * so nothing refers to the iterator once it is handed back.
   */
  private KeyRecords loadLatest(byte[] key, byte[] ik) {
    return engine.withLatestIterator(
        ColumnFamily.MVCC, it -> KeyRecords.load(new MvccCursor(it), key, ik));
  }

  private static void checkWritable(KeyRecords r, Timestamp ts, TxnMeta txn) {
    if (r.intent != null && !r.intent.txn().sameTxn(txn)) {
      throw new WriteIntentException(r.userKey, r.intent.txn());
    }
    if (r.newestTs != null && ts.lessOrEqual(r.newestTs)) {
      throw new WriteTooOldException(r.userKey, ts, r.newestTs);
    }
    if (r.intent != null && r.intent.txn().epoch() > txn.epoch()) {
      throw new IllegalStateException(
          "write of epoch " + txn.epoch() + " over an intent of epoch " + r.intent.txn().epoch());
    }
  }

  private static void writeKey(
      KeyRecords r, Timestamp ts, TxnMeta txn, byte[] value, EngineBatch batch, MvccStats delta) {
    Head before = r.head();
    Head after;
    if (txn != null) {
      Timestamp writeTs = ts;
      if (r.intent != null && writeTs.lessThan(r.intent.timestamp())) {
        writeTs = r.intent.timestamp(); // the intent was pushed; never move it back down
      }
      TxnMeta meta = txn.withWriteTimestamp(writeTs);
      byte[] raw = MvccValues.intent(meta, value);
      if (r.intent != null) {
        delta.intent(r.intentKey.length, r.intentRaw.length, -1);
      }
      delta.intent(r.intentKey.length, raw.length, 1);
      batch.put(ColumnFamily.MVCC, r.intentKey, raw);
      after = new Head(true, value != null, r.intentKey.length, raw.length);
    } else {
      byte[] vk = MvccKeys.versionKey(r.userKey, ts);
      byte[] stored = MvccValues.version(value);
      delta.record(vk.length, stored.length, 1);
      batch.put(ColumnFamily.MVCC, vk, stored);
      after = Head.of(vk.length, stored);
    }
    delta.head(before, after);
  }

  /**
   * Deletes every key in {@code [start, end)} that is live for the writer, at {@code ts}
   * (non-transactional, {@code txn} null) or as intents of {@code txn}. Any conflict on any key of
   * the span fails the whole operation. Returns the deleted keys.
   */
  public List<byte[]> deleteRange(
      byte[] start, byte[] end, Timestamp ts, TxnMeta txn, MvccStats stats) {
    Timestamp writeTs = txn != null ? txn.writeTimestamp() : ts;
    List<byte[]> deleted = new ArrayList<>();
    MvccStats delta = new MvccStats();
    try (EngineBatch batch = engine.newBatch()) {
      forEachKey(
          start,
          end,
          (it, userKey, ik) -> {
            KeyRecords r = KeyRecords.load(it, userKey, ik);
            checkWritable(r, writeTs, txn);
            if (r.head().live()) {
              writeKey(r, writeTs, txn, null, batch, delta);
              deleted.add(userKey);
            }
          });
      engine.write(batch, sync);
    }
    stats.add(delta);
    return deleted;
  }

  /**
   * Applies {@code status} of {@code txn} to its intent on {@code key}. A missing intent or one of
   * another transaction is left alone (resolution is idempotent). Returns whether anything changed.
   */
  public boolean resolveIntent(byte[] key, TxnMeta txn, TxnStatus status, MvccStats stats) {
    byte[] ik = MvccKeys.intentKey(key);
    MvccStats delta = new MvccStats();
    boolean changed;
    KeyRecords r = loadLatest(key, ik);
    try (EngineBatch batch = engine.newBatch()) {
      changed = resolveKey(r, txn, status, batch, delta);
      if (changed) {
        engine.write(batch, sync);
      }
    }
    stats.add(delta);
    return changed;
  }

  /** Resolves every intent of {@code txn} in {@code [start, end)}; returns how many changed. */
  public int resolveIntentRange(
      byte[] start, byte[] end, TxnMeta txn, TxnStatus status, MvccStats stats) {
    MvccStats delta = new MvccStats();
    int[] changed = {0};
    try (EngineBatch batch = engine.newBatch()) {
      forEachKey(
          start,
          end,
          (it, userKey, ik) -> {
            if (resolveKey(KeyRecords.load(it, userKey, ik), txn, status, batch, delta)) {
              changed[0]++;
            }
          });
      if (changed[0] > 0) {
        engine.write(batch, sync);
      }
    }
    stats.add(delta);
    return changed[0];
  }

  /**
   * Commit: the provisional value becomes a version at the transaction's commit timestamp (or the
   * intent's, if that was pushed higher), unless the intent belongs to an older epoch, whose writes
   * the transaction abandoned: then it is removed. Abort: removed. Pending (a push): the intent's
   * timestamp moves up to the transaction's.
   */
  private static boolean resolveKey(
      KeyRecords r, TxnMeta txn, TxnStatus status, EngineBatch batch, MvccStats delta) {
    Intent intent = r.intent;
    if (intent == null || !intent.txn().sameTxn(txn)) {
      return false;
    }
    Head before = r.head();
    Head after;
    switch (status) {
      case ABORTED -> after = removeIntent(r, batch, delta);
      case COMMITTED -> {
        if (intent.txn().epoch() > txn.epoch()) {
          return false; // a stale resolution request from before a restart
        }
        if (intent.txn().epoch() < txn.epoch()) {
          after = removeIntent(r, batch, delta);
        } else {
          Timestamp commitTs = Timestamp.max(txn.writeTimestamp(), intent.timestamp());
          removeIntent(r, batch, delta);
          byte[] vk = MvccKeys.versionKey(r.userKey, commitTs);
          batch.put(ColumnFamily.MVCC, vk, intent.storedValue());
          delta.record(vk.length, intent.storedValue().length, 1);
          after = Head.of(vk.length, intent.storedValue());
        }
      }
      case PENDING -> {
        if (!intent.timestamp().lessThan(txn.writeTimestamp())) {
          return false;
        }
        byte[] raw =
            MvccValues.intent(
                intent.txn().withWriteTimestamp(txn.writeTimestamp()),
                MvccValues.userValue(intent.storedValue()));
        delta.intent(r.intentKey.length, r.intentRaw.length, -1);
        delta.intent(r.intentKey.length, raw.length, 1);
        batch.put(ColumnFamily.MVCC, r.intentKey, raw);
        after = new Head(true, !intent.isTombstone(), r.intentKey.length, raw.length);
      }
      default -> throw new IllegalArgumentException(String.valueOf(status));
    }
    delta.head(before, after);
    return true;
  }

  private static Head removeIntent(KeyRecords r, EngineBatch batch, MvccStats delta) {
    batch.delete(ColumnFamily.MVCC, r.intentKey);
    delta.intent(r.intentKey.length, r.intentRaw.length, -1);
    return r.newestHead();
  }

  /**
   * Garbage-collects versions in {@code [start, end)} that no read at or above {@code threshold}
   * can see: for each key, everything older than its newest version at or below the threshold, and
   * that version too if it is a deletion. Intents are never touched. Returns the number of versions
   * removed.
   */
  public int gc(byte[] start, byte[] end, Timestamp threshold, MvccStats stats) {
    MvccStats delta = new MvccStats();
    int[] removed = {0};
    try (EngineBatch batch = engine.newBatch()) {
      forEachKey(
          start,
          end,
          (it, userKey, ik) -> {
            KeyRecords r = KeyRecords.load(it, userKey, ik);
            Head before = r.head();
            boolean seenVisible = false;
            boolean removedAll = true;
            boolean sawVersion = false;
            while (it.valid() && MvccKeys.belongsTo(it.key(), ik)) {
              byte[] k = it.key();
              if (!MvccKeys.isIntentKey(k, ik)) {
                byte[] v = it.value();
                boolean remove;
                if (seenVisible) {
                  remove = true;
                } else if (MvccKeys.versionTimestamp(k, ik).lessOrEqual(threshold)) {
                  seenVisible = true;
                  // A deletion at or below the threshold hides everything older and itself.
                  remove = MvccValues.isTombstone(v);
                } else {
                  remove = false;
                }
                if (remove) {
                  batch.delete(ColumnFamily.MVCC, k);
                  delta.record(k.length, v.length, -1);
                  removed[0]++;
                } else {
                  removedAll = false;
                }
                sawVersion = true;
              }
              it.next();
            }
            Head after = before;
            if (r.intent == null && removedAll && sawVersion) {
              after = Head.NONE;
            }
            delta.head(before, after);
          });
      if (removed[0] > 0) {
        engine.write(batch, sync);
      }
    }
    stats.add(delta);
    return removed[0];
  }

  private interface KeyVisitor {
    void visit(MvccCursor it, byte[] userKey, byte[] intentKey);
  }

  /** Calls {@code visitor} once per user key with records in the span, in key order. */
  private void forEachKey(byte[] start, byte[] end, KeyVisitor visitor) {
    byte[] lower = MvccKeys.intentKey(start);
    byte[] upper = MvccKeys.intentKey(end);
    try (MvccCursor it =
        new MvccCursor(engine.newIterator(ColumnFamily.MVCC, IterOptions.bounded(lower, upper)))) {
      it.seek(lower);
      while (it.valid()) {
        byte[] ik = MvccKeys.intentKeyOf(it.key());
        visitor.visit(it, MvccKeys.userKeyOf(ik), ik);
        byte[] next = ik.clone();
        next[next.length - 1]++;
        it.seek(next);
      }
    }
  }
}
