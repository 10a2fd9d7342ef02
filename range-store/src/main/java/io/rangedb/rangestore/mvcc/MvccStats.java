package io.rangedb.rangestore.mvcc;

import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineIterator;
import io.rangedb.rangestore.storage.EngineReader;
import io.rangedb.rangestore.storage.IterOptions;

/**
 * Sizes of the MVCC data in a key span, kept up to date by every MVCC write (each operation adds
 * its delta) and checkable against {@link #compute}. "Records" are what RocksDB stores: one per
 * intent and one per version; byte counts are of the encoded keys and stored values, so they track
 * disk usage. A key's head is its intent if it has one, else its newest version; the key is live
 * when its head is a value rather than a deletion. Ranges split on these numbers.
 *
 * <p>Not thread-safe: one accumulator per range, updated under the range's write serialization.
 */
public final class MvccStats {
  /** User keys with at least one record. */
  public long keyCount;

  /** Bytes of all encoded record keys. */
  public long keyBytes;

  /** Records: versions (tombstones included) plus intents. */
  public long valCount;

  /** Bytes of all stored values (versions and intents). */
  public long valBytes;

  /** User keys whose head is a value. */
  public long liveCount;

  /** Key + value bytes of the heads of live keys. */
  public long liveBytes;

  public long intentCount;

  /** Key + value bytes of intent records. */
  public long intentBytes;

  public void add(MvccStats d) {
    keyCount += d.keyCount;
    keyBytes += d.keyBytes;
    valCount += d.valCount;
    valBytes += d.valBytes;
    liveCount += d.liveCount;
    liveBytes += d.liveBytes;
    intentCount += d.intentCount;
    intentBytes += d.intentBytes;
  }

  public MvccStats copy() {
    MvccStats c = new MvccStats();
    c.add(this);
    return c;
  }

  void record(int keyLen, int valLen, int sign) {
    keyBytes += (long) sign * keyLen;
    valBytes += (long) sign * valLen;
    valCount += sign;
  }

  void intent(int keyLen, int valLen, int sign) {
    record(keyLen, valLen, sign);
    intentCount += sign;
    intentBytes += (long) sign * (keyLen + valLen);
  }

  /** Accounts for a key's head changing from {@code before} to {@code after}. */
  void head(Head before, Head after) {
    keyCount += (after.exists ? 1 : 0) - (before.exists ? 1 : 0);
    liveCount += (after.live ? 1 : 0) - (before.live ? 1 : 0);
    liveBytes += after.liveBytes() - before.liveBytes();
  }

  /** The head of one user key: whether the key exists, and whether (and how big) it is live. */
  record Head(boolean exists, boolean live, int keyLen, int valLen) {
    static final Head NONE = new Head(false, false, 0, 0);

    static Head of(int keyLen, byte[] storedValue) {
      return new Head(true, !MvccValues.isTombstone(storedValue), keyLen, storedValue.length);
    }

    long liveBytes() {
      return live ? keyLen + valLen : 0;
    }
  }

  /** Recomputes the statistics of {@code [start, end)} from scratch by reading every record. */
  public static MvccStats compute(EngineReader reader, byte[] start, byte[] end) {
    MvccStats s = new MvccStats();
    byte[] lower = MvccKeys.intentKey(start);
    byte[] upper = end == null ? null : MvccKeys.intentKey(end);
    try (EngineIterator it =
        reader.newIterator(ColumnFamily.MVCC, IterOptions.bounded(lower, upper))) {
      byte[] currentKey = null;
      for (it.seek(lower); it.valid(); it.next()) {
        byte[] k = it.key();
        byte[] v = it.value();
        boolean first = currentKey == null || !MvccKeys.belongsTo(k, currentKey);
        if (first) {
          currentKey = MvccKeys.intentKeyOf(k);
          s.keyCount++;
        }
        if (MvccKeys.isIntentKey(k, currentKey)) {
          s.intent(k.length, v.length, 1);
          v = MvccValues.decodeIntent(v).storedValue();
          if (!MvccValues.isTombstone(v)) {
            s.liveCount++;
            s.liveBytes += k.length + it.value().length;
          }
        } else {
          s.record(k.length, v.length, 1);
          if (first && !MvccValues.isTombstone(v)) {
            s.liveCount++;
            s.liveBytes += k.length + v.length;
          }
        }
      }
    }
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MvccStats s
        && keyCount == s.keyCount
        && keyBytes == s.keyBytes
        && valCount == s.valCount
        && valBytes == s.valBytes
        && liveCount == s.liveCount
        && liveBytes == s.liveBytes
        && intentCount == s.intentCount
        && intentBytes == s.intentBytes;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(keyBytes * 31 + valBytes * 17 + liveBytes);
  }

  @Override
  public String toString() {
    return "MvccStats{keys="
        + keyCount
        + " keyBytes="
        + keyBytes
        + " vals="
        + valCount
        + " valBytes="
        + valBytes
        + " live="
        + liveCount
        + " liveBytes="
        + liveBytes
        + " intents="
        + intentCount
        + " intentBytes="
        + intentBytes
        + "}";
  }
}
