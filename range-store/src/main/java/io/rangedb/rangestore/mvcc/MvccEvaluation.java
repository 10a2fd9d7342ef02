package io.rangedb.rangestore.mvcc;

import io.rangedb.rangestore.mvcc.MvccStats.Head;
import io.rangedb.rangestore.mvcc.MvccValues.Intent;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineReader;
import io.rangedb.rangestore.storage.EngineWriter;
import io.rangedb.rangestore.storage.IterOptions;
import io.rangedb.txn.hlc.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * The one implementation of the MVCC write operations (see {@link MvccStore} for their rules): it
 * reads records through a reader, writes the changes to a writer and adds each change's statistics
 * to a delta. Nothing here writes to the store. {@link MvccStore} runs one operation over the live
 * store into a fresh batch; {@link MvccBatch} runs a command's operations over an indexed batch
 * that is both reader and writer, so that each sees the ones before it.
 *
 * <p>Every operation checks all its conflicts before it writes anything, except {@link
 * #deleteRange}, which checks key by key as it writes: a caller that keeps the writer after a
 * conflict must drop what the failed operation wrote (MvccBatch uses a save point).
 */
final class MvccEvaluation {
  /** Reads the intent and newest version of one key. */
  interface KeyLoader {
    KeyRecords load(byte[] key, byte[] intentKey);
  }

  private final EngineReader reader;
  private final KeyLoader loader;
  private final EngineWriter writer;

  /**
   * @param reader what spans are read from
   * @param loader how single keys are read: the same state as {@code reader}, maybe faster
   * @param writer where changes go
   */
  MvccEvaluation(EngineReader reader, KeyLoader loader, EngineWriter writer) {
    this.reader = reader;
    this.loader = loader;
    this.writer = writer;
  }

  /** A put or deletion, non-transactional ({@code txn} null) at {@code ts}, or an intent. */
  void write(byte[] key, Timestamp ts, TxnMeta txn, byte[] value, MvccStats delta) {
    KeyRecords r = loader.load(key, MvccKeys.intentKey(key));
    checkWritable(r, ts, txn);
    if (!r.supersededFor(txn)) {
      writeKey(r, ts, txn, value, delta);
    }
  }

  List<byte[]> deleteRange(byte[] start, byte[] end, Timestamp ts, TxnMeta txn, MvccStats delta) {
    Timestamp writeTs = txn != null ? txn.writeTimestamp() : ts;
    List<byte[]> deleted = new ArrayList<>();
    forEachKey(
        start,
        end,
        (it, userKey, ik) -> {
          KeyRecords r = KeyRecords.load(it, userKey, ik);
          checkWritable(r, writeTs, txn);
          if (r.liveFor(txn) && !r.supersededFor(txn)) {
            writeKey(r, writeTs, txn, null, delta);
            deleted.add(userKey);
          }
        });
    return deleted;
  }

  boolean resolveIntent(byte[] key, TxnMeta txn, TxnStatus status, MvccStats delta) {
    return resolveKey(loader.load(key, MvccKeys.intentKey(key)), txn, status, delta);
  }

  int resolveIntentRange(byte[] start, byte[] end, TxnMeta txn, TxnStatus status, MvccStats delta) {
    int[] changed = {0};
    forEachKey(
        start,
        end,
        (it, userKey, ik) -> {
          if (resolveKey(KeyRecords.load(it, userKey, ik), txn, status, delta)) {
            changed[0]++;
          }
        });
    return changed[0];
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

  private void writeKey(KeyRecords r, Timestamp ts, TxnMeta txn, byte[] value, MvccStats delta) {
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
      writer.put(ColumnFamily.MVCC, r.intentKey, raw);
      after = new Head(true, value != null, r.intentKey.length, raw.length);
    } else {
      byte[] vk = MvccKeys.versionKey(r.userKey, ts);
      byte[] stored = MvccValues.version(value);
      delta.record(vk.length, stored.length, 1);
      writer.put(ColumnFamily.MVCC, vk, stored);
      after = Head.of(vk.length, stored);
    }
    delta.head(before, after);
  }

  /**
   * Commit: the provisional value becomes a version at the transaction's commit timestamp (or the
   * intent's, if that was pushed higher), unless the intent belongs to an older epoch, whose writes
   * the transaction abandoned: then it is removed. Abort: removed. Pending (a push): the intent's
   * timestamp moves up to the transaction's.
   */
  private boolean resolveKey(KeyRecords r, TxnMeta txn, TxnStatus status, MvccStats delta) {
    Intent intent = r.intent;
    if (intent == null || !intent.txn().sameTxn(txn)) {
      return false;
    }
    Head before = r.head();
    Head after;
    switch (status) {
      case ABORTED -> after = removeIntent(r, delta);
      case COMMITTED -> {
        if (intent.txn().epoch() > txn.epoch()) {
          return false; // a stale resolution request from before a restart
        }
        if (intent.txn().epoch() < txn.epoch()) {
          after = removeIntent(r, delta);
        } else {
          Timestamp commitTs = Timestamp.max(txn.writeTimestamp(), intent.timestamp());
          removeIntent(r, delta);
          byte[] vk = MvccKeys.versionKey(r.userKey, commitTs);
          writer.put(ColumnFamily.MVCC, vk, intent.storedValue());
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
        writer.put(ColumnFamily.MVCC, r.intentKey, raw);
        after = new Head(true, !intent.isTombstone(), r.intentKey.length, raw.length);
      }
      default -> throw new IllegalArgumentException(String.valueOf(status));
    }
    delta.head(before, after);
    return true;
  }

  private Head removeIntent(KeyRecords r, MvccStats delta) {
    writer.delete(ColumnFamily.MVCC, r.intentKey);
    delta.intent(r.intentKey.length, r.intentRaw.length, -1);
    return r.newestHead();
  }

  /**
   * Garbage-collects versions in {@code [start, end)} that no read at or above {@code threshold}
   * can see: for each key, everything older than its newest version at or below the threshold, and
   * that version too if it is a deletion. Intents are never touched. Returns the number of versions
   * removed.
   */
  int gc(byte[] start, byte[] end, Timestamp threshold, MvccStats delta) {
    int[] removed = {0};
    List<byte[]> garbage = new ArrayList<>();
    forEachKey(
        start,
        end,
        (it, userKey, ik) -> {
          KeyRecords r = KeyRecords.load(it, userKey, ik);
          Head before = r.head();
          boolean seenVisible = false;
          boolean removedAll = true;
          boolean sawVersion = false;
          garbage.clear();
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
                garbage.add(k);
                delta.record(k.length, v.length, -1);
              } else {
                removedAll = false;
              }
              sawVersion = true;
            }
            it.next();
          }
          // Deleted after the walk: writing to an indexed batch moves its open iterators.
          for (byte[] k : garbage) {
            writer.delete(ColumnFamily.MVCC, k);
          }
          removed[0] += garbage.size();
          Head after = before;
          if (r.intent == null && removedAll && sawVersion) {
            after = Head.NONE;
          }
          delta.head(before, after);
        });
    return removed[0];
  }

  private interface KeyVisitor {
    void visit(MvccCursor it, byte[] userKey, byte[] intentKey);
  }

  /**
   * Calls {@code visitor} once per user key with records in the span, in key order. The visitor may
   * write to the writer: the next key is found with a fresh seek.
   */
  private void forEachKey(byte[] start, byte[] end, KeyVisitor visitor) {
    byte[] lower = MvccKeys.intentKey(start);
    byte[] upper = MvccKeys.intentKey(end);
    try (MvccCursor it =
        new MvccCursor(reader.newIterator(ColumnFamily.MVCC, IterOptions.bounded(lower, upper)))) {
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
