package io.rangedb.rangestore.mvcc;

import io.rangedb.txn.hlc.Timestamp;
import io.rangedb.wire.keys.Keys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The obvious in-memory implementation of the MVCC rules, written for clarity, not speed: a sorted
 * map of user keys, each with an optional intent and a map of versions. {@link MvccModelTest}
 * checks the RocksDB implementation against it. Values are compared through outcome strings.
 */
final class MvccModel {
  static final byte[] TOMBSTONE = null;

  record ModelIntent(TxnMeta txn, byte[] value) {}

  static final class KeyState {
    ModelIntent intent;
    final NavigableMap<Timestamp, byte[]> versions = new TreeMap<>(Comparator.reverseOrder());

    boolean exists() {
      return intent != null || !versions.isEmpty();
    }

    Timestamp newestTs() {
      return versions.isEmpty() ? null : versions.firstKey();
    }
  }

  final TreeMap<byte[], KeyState> keys = new TreeMap<>(Arrays::compareUnsigned);

  private KeyState state(byte[] key) {
    return keys.computeIfAbsent(key, k -> new KeyState());
  }

  private void dropIfEmpty(byte[] key) {
    KeyState s = keys.get(key);
    if (s != null && !s.exists()) {
      keys.remove(key);
    }
  }

  /** What a read sees: "none", "val:<hex>@ts" or an error outcome (thrown as ModelConflict). */
  String read(byte[] key, ReadAt read) {
    KeyState s = keys.get(key);
    if (s == null) {
      return "none";
    }
    if (s.intent != null) {
      TxnMeta it = s.intent.txn();
      if (it.sameTxn(read.txn())) {
        if (it.epoch() == read.txn().epoch()) {
          return s.intent.value() == null ? "none" : val(s.intent.value(), it.writeTimestamp());
        }
      } else if (it.writeTimestamp().lessOrEqual(read.timestamp())) {
        throw new ModelConflict(intentConflict(key, it));
      } else if (it.writeTimestamp().lessOrEqual(read.uncertaintyLimit())) {
        throw new ModelConflict(uncertain(key, it.writeTimestamp()));
      }
    }
    for (Map.Entry<Timestamp, byte[]> v : s.versions.entrySet()) {
      if (v.getKey().lessOrEqual(read.uncertaintyLimit())) {
        if (read.timestamp().lessThan(v.getKey())) {
          throw new ModelConflict(uncertain(key, v.getKey()));
        }
        return v.getValue() == null ? "none" : val(v.getValue(), v.getKey());
      }
    }
    return "none";
  }

  String scan(byte[] start, byte[] end, ReadAt read, ScanOptions options) {
    List<byte[]> span = new ArrayList<>(keys.subMap(start, true, end, false).keySet());
    if (options.reverse()) {
      java.util.Collections.reverse(span);
    }
    StringBuilder out = new StringBuilder("rows:");
    long rows = 0;
    long bytes = 0;
    for (byte[] k : span) {
      String r = read(k, read);
      if (r.equals("none")) {
        continue;
      }
      out.append(' ').append(hex(k)).append('=').append(r);
      rows++;
      bytes += k.length + valueLength(k, read);
      if ((options.maxKeys() > 0 && rows >= options.maxKeys())
          || (options.targetBytes() > 0 && bytes >= options.targetBytes())) {
        return out.append(" resume:")
            .append(
                options.reverse() ? hex(start) + "-" + hex(k) : hex(Keys.next(k)) + "-" + hex(end))
            .toString();
      }
    }
    return out.toString();
  }

  private int valueLength(byte[] k, ReadAt read) {
    KeyState s = keys.get(k);
    if (s.intent != null
        && s.intent.txn().sameTxn(read.txn())
        && s.intent.txn().epoch() == read.txn().epoch()) {
      return s.intent.value().length;
    }
    for (Map.Entry<Timestamp, byte[]> v : s.versions.entrySet()) {
      if (v.getKey().lessOrEqual(read.timestamp())) {
        return v.getValue().length;
      }
    }
    throw new IllegalStateException();
  }

  /** A write (value null: deletion); transactional when txn is not null. */
  void write(byte[] key, Timestamp ts, TxnMeta txn, byte[] value) {
    KeyState s = keys.get(key);
    if (s != null) {
      checkWritable(key, s, txn != null ? txn.writeTimestamp() : ts, txn);
      if (isReplay(s, txn)) {
        return;
      }
    }
    apply(key, txn != null ? txn.writeTimestamp() : ts, txn, value);
  }

  /** A write of a sequence its transaction already wrote past on this key, in the same epoch. */
  private static boolean isReplay(KeyState s, TxnMeta txn) {
    return txn != null
        && s.intent != null
        && s.intent.txn().sameTxn(txn)
        && s.intent.txn().epoch() == txn.epoch()
        && txn.sequence() < s.intent.txn().sequence();
  }

  private void checkWritable(byte[] key, KeyState s, Timestamp ts, TxnMeta txn) {
    if (s.intent != null && !s.intent.txn().sameTxn(txn)) {
      throw new ModelConflict(intentConflict(key, s.intent.txn()));
    }
    Timestamp newest = s.newestTs();
    if (newest != null && ts.lessOrEqual(newest)) {
      throw new ModelConflict("WriteTooOld " + hex(key) + " existing " + newest);
    }
  }

  private void apply(byte[] key, Timestamp ts, TxnMeta txn, byte[] value) {
    KeyState s = state(key);
    if (txn == null) {
      s.versions.put(ts, value);
      return;
    }
    Timestamp writeTs = ts;
    if (s.intent != null && writeTs.lessThan(s.intent.txn().writeTimestamp())) {
      writeTs = s.intent.txn().writeTimestamp();
    }
    s.intent = new ModelIntent(txn.withWriteTimestamp(writeTs), value);
  }

  String deleteRange(byte[] start, byte[] end, Timestamp ts, TxnMeta txn) {
    Timestamp writeTs = txn != null ? txn.writeTimestamp() : ts;
    List<byte[]> live = new ArrayList<>();
    for (Map.Entry<byte[], KeyState> e : keys.subMap(start, true, end, false).entrySet()) {
      KeyState s = e.getValue();
      checkWritable(e.getKey(), s, writeTs, txn);
      // Live as the writer would read it (its abandoned epochs' intents are not there for it).
      ReadAt asWriter = txn == null ? ReadAt.at(writeTs) : ReadAt.at(writeTs).withTxn(txn);
      if (!isReplay(s, txn) && !read(e.getKey(), asWriter).equals("none")) {
        live.add(e.getKey());
      }
    }
    StringBuilder out = new StringBuilder("deleted:");
    for (byte[] k : live) {
      apply(k, writeTs, txn, null);
      out.append(' ').append(hex(k));
    }
    return out.toString();
  }

  boolean resolve(byte[] key, TxnMeta txn, TxnStatus status) {
    KeyState s = keys.get(key);
    if (s == null || s.intent == null || !s.intent.txn().sameTxn(txn)) {
      return false;
    }
    TxnMeta it = s.intent.txn();
    switch (status) {
      case ABORTED -> s.intent = null;
      case COMMITTED -> {
        if (it.epoch() > txn.epoch()) {
          return false;
        }
        if (it.epoch() == txn.epoch()) {
          s.versions.put(
              Timestamp.max(txn.writeTimestamp(), it.writeTimestamp()), s.intent.value());
        }
        s.intent = null;
      }
      case PENDING -> {
        if (!it.writeTimestamp().lessThan(txn.writeTimestamp())) {
          return false;
        }
        s.intent = new ModelIntent(it.withWriteTimestamp(txn.writeTimestamp()), s.intent.value());
      }
    }
    dropIfEmpty(key);
    return true;
  }

  int resolveRange(byte[] start, byte[] end, TxnMeta txn, TxnStatus status) {
    int n = 0;
    for (byte[] k : new ArrayList<>(keys.subMap(start, true, end, false).keySet())) {
      if (resolve(k, txn, status)) {
        n++;
      }
    }
    return n;
  }

  int gc(byte[] start, byte[] end, Timestamp threshold) {
    int removed = 0;
    for (byte[] k : new ArrayList<>(keys.subMap(start, true, end, false).keySet())) {
      KeyState s = keys.get(k);
      Map.Entry<Timestamp, byte[]> visible = s.versions.ceilingEntry(threshold);
      if (visible == null) {
        continue;
      }
      NavigableMap<Timestamp, byte[]> doomed =
          s.versions.tailMap(visible.getKey(), visible.getValue() == null);
      removed += doomed.size();
      doomed.clear();
      dropIfEmpty(k);
    }
    return removed;
  }

  /** Statistics computed from the model with the documented on-disk sizes. */
  MvccStats stats() {
    MvccStats s = new MvccStats();
    for (Map.Entry<byte[], KeyState> e : keys.entrySet()) {
      int ikLen = escapedLength(e.getKey()) + 2;
      int vkLen = ikLen + 12;
      KeyState k = e.getValue();
      s.keyCount++;
      boolean headDone = false;
      if (k.intent != null) {
        int len = 37 + storedLength(k.intent.value());
        s.intentCount++;
        s.intentBytes += ikLen + len;
        s.keyBytes += ikLen;
        s.valBytes += len;
        s.valCount++;
        if (k.intent.value() != null) {
          s.liveCount++;
          s.liveBytes += ikLen + len;
        }
        headDone = true;
      }
      for (byte[] v : k.versions.values()) {
        s.keyBytes += vkLen;
        s.valBytes += storedLength(v);
        s.valCount++;
        if (!headDone && v != null) {
          s.liveCount++;
          s.liveBytes += vkLen + storedLength(v);
        }
        headDone = true;
      }
    }
    return s;
  }

  private static int storedLength(byte[] v) {
    return v == null ? 0 : v.length + 1;
  }

  private static int escapedLength(byte[] k) {
    int n = k.length;
    for (byte b : k) {
      if (b == 0) {
        n++;
      }
    }
    return n;
  }

  static String val(byte[] v, Timestamp ts) {
    return "val:" + hex(v) + "@" + ts;
  }

  static String intentConflict(byte[] key, TxnMeta holder) {
    return "WriteIntent " + hex(key) + " by " + holder.id();
  }

  static String uncertain(byte[] key, Timestamp ts) {
    return "Uncertain " + hex(key) + " at " + ts;
  }

  static String hex(byte[] b) {
    return java.util.HexFormat.of().formatHex(b);
  }

  /** A conflict the model predicts; its message is the expected outcome. */
  static final class ModelConflict extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ModelConflict(String outcome) {
      super(outcome, null, false, false);
    }
  }
}
