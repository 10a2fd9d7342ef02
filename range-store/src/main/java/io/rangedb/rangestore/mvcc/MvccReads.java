package io.rangedb.rangestore.mvcc;

import io.rangedb.rangestore.mvcc.MvccValues.Intent;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineReader;
import io.rangedb.rangestore.storage.IterOptions;
import io.rangedb.txn.hlc.Timestamp;
import io.rangedb.wire.keys.Keys;
import java.util.ArrayList;
import java.util.List;

/**
 * MVCC reads over any {@link EngineReader} (the live store or a snapshot). What a read at T sees of
 * one key, in order of precedence:
 *
 * <ol>
 *   <li>its own transaction's intent of the same epoch: the provisional value (an intent of an
 *       older epoch is a discarded write and is skipped);
 *   <li>another transaction's intent at or below T: a {@link WriteIntentException}; in (T,
 *       uncertainty limit]: a {@link ReadWithinUncertaintyException}; above: skipped;
 *   <li>the newest committed version at or below the uncertainty limit: above T, a {@link
 *       ReadWithinUncertaintyException}; else its value, or nothing if it is a deletion.
 * </ol>
 */
public final class MvccReads {
  private MvccReads() {}

  /** The value of {@code key} visible to {@code read}, or null. */
  public static KeyValue get(EngineReader reader, byte[] key, ReadAt read) {
    byte[] ik = MvccKeys.intentKey(key);
    try (MvccCursor it =
        new MvccCursor(reader.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED))) {
      it.seek(ik);
      KeyValue kv = readKey(it, key, ik, read);
      return kv == null || kv.value() == null ? null : kv;
    }
  }

  /**
   * Visible values of keys in {@code [start, end)}. The first conflict met in scan order throws;
   * keys beyond a limit are not examined.
   */
  public static ScanResult scan(
      EngineReader reader, byte[] start, byte[] end, ReadAt read, ScanOptions options) {
    byte[] lower = MvccKeys.intentKey(start);
    byte[] upper = MvccKeys.intentKey(end);
    List<KeyValue> rows = new ArrayList<>();
    long bytes = 0;
    try (MvccCursor it =
        new MvccCursor(reader.newIterator(ColumnFamily.MVCC, IterOptions.bounded(lower, upper)))) {
      if (options.reverse()) {
        it.seekToLast();
      } else {
        it.seek(lower);
      }
      while (it.valid()) {
        byte[] ik = MvccKeys.intentKeyOf(it.key());
        byte[] userKey = MvccKeys.userKeyOf(ik);
        if (options.reverse()) {
          it.seek(ik);
        }
        KeyValue kv = readKey(it, userKey, ik, read);
        if (kv != null && kv.value() != null) {
          rows.add(kv);
          bytes += userKey.length + kv.value().length;
          boolean full =
              (options.maxKeys() > 0 && rows.size() >= options.maxKeys())
                  || (options.targetBytes() > 0 && bytes >= options.targetBytes());
          if (full) {
            return options.reverse()
                ? new ScanResult(rows, start, userKey)
                : new ScanResult(rows, Keys.next(userKey), end);
          }
        }
        if (options.reverse()) {
          it.seek(ik);
          it.prev();
        } else {
          skipRestOfKey(it, ik);
        }
      }
    }
    return new ScanResult(rows, null, null);
  }

  private static void skipRestOfKey(MvccCursor it, byte[] ik) {
    // Usually the next record is already the next key; seek only past long version histories.
    for (int i = 0; i < 3 && it.valid(); i++) {
      if (!MvccKeys.belongsTo(it.key(), ik)) {
        return;
      }
      it.next();
    }
    if (it.valid() && MvccKeys.belongsTo(it.key(), ik)) {
      byte[] end = ik.clone();
      end[end.length - 1]++;
      it.seek(end);
    }
  }

  /**
   * Evaluates one key for {@code read}. The iterator is at the key's first record (or past it if
   * the key has none). Returns null when no record is visible; a KeyValue with a null value for a
   * visible deletion. Leaves the iterator at or after the last record it looked at.
   */
  static KeyValue readKey(MvccCursor it, byte[] userKey, byte[] ik, ReadAt read) {
    if (!it.valid()) {
      return null;
    }
    byte[] k = it.key();
    if (MvccKeys.isIntentKey(k, ik)) {
      Intent intent = MvccValues.decodeIntent(it.value());
      Timestamp its = intent.timestamp();
      if (intent.txn().sameTxn(read.txn())) {
        if (intent.txn().epoch() == read.txn().epoch()) {
          return new KeyValue(userKey, MvccValues.userValue(intent.storedValue()), its);
        }
      } else if (its.lessOrEqual(read.timestamp())) {
        throw new WriteIntentException(userKey, intent.txn());
      } else if (its.lessOrEqual(read.uncertaintyLimit())) {
        throw new ReadWithinUncertaintyException(userKey, read.timestamp(), its);
      }
      it.next();
      if (!it.valid()) {
        return null;
      }
      k = it.key();
    }
    if (!MvccKeys.belongsTo(k, ik)) {
      return null;
    }
    Timestamp limit = read.uncertaintyLimit();
    Timestamp ts = MvccKeys.versionTimestamp(k, ik);
    if (limit.lessThan(ts)) {
      it.seek(MvccKeys.versionKey(userKey, limit));
      if (!it.valid()) {
        return null;
      }
      k = it.key();
      if (!MvccKeys.belongsTo(k, ik)) {
        return null;
      }
      ts = MvccKeys.versionTimestamp(k, ik);
    }
    if (read.timestamp().lessThan(ts)) {
      throw new ReadWithinUncertaintyException(userKey, read.timestamp(), ts);
    }
    return new KeyValue(userKey, MvccValues.userValue(it.value()), ts);
  }
}
