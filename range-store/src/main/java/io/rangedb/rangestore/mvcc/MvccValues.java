package io.rangedb.rangestore.mvcc;

import io.rangedb.txn.hlc.Timestamp;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.UUID;

/**
 * Stored values. A version holds 0x01 followed by the user's bytes, or nothing at all for a
 * tombstone (so an empty user value and a deletion stay distinct). An intent holds the writer's
 * {@link TxnMeta} and then a version value: the provisional value lives in the intent record
 * itself, which is why committing at a later timestamp simply "moves" it to a version key.
 */
final class MvccValues {
  static final byte[] TOMBSTONE = new byte[0];
  private static final byte VALUE = 0x01;
  private static final byte INTENT_FORMAT = 0x01;
  private static final int INTENT_HEADER = 1 + 16 + 4 + 8 + 4 + 4;

  private MvccValues() {}

  /** The stored form of a user value, or of a deletion when {@code value} is null. */
  static byte[] version(byte[] value) {
    if (value == null) {
      return TOMBSTONE;
    }
    byte[] out = new byte[value.length + 1];
    out[0] = VALUE;
    System.arraycopy(value, 0, out, 1, value.length);
    return out;
  }

  /** The user value of a stored version, or null for a tombstone. */
  static byte[] userValue(byte[] stored) {
    if (stored.length == 0) {
      return null;
    }
    if (stored[0] != VALUE) {
      throw new IllegalStateException("unknown MVCC value format " + stored[0]);
    }
    return Arrays.copyOfRange(stored, 1, stored.length);
  }

  static boolean isTombstone(byte[] stored) {
    return stored.length == 0;
  }

  static byte[] intent(TxnMeta txn, byte[] value) {
    byte[] v = version(value);
    return ByteBuffer.allocate(INTENT_HEADER + v.length)
        .put(INTENT_FORMAT)
        .putLong(txn.id().getMostSignificantBits())
        .putLong(txn.id().getLeastSignificantBits())
        .putInt(txn.epoch())
        .putLong(txn.writeTimestamp().wallNanos())
        .putInt(txn.writeTimestamp().logical())
        .putInt(txn.sequence())
        .put(v)
        .array();
  }

  static Intent decodeIntent(byte[] stored) {
    ByteBuffer b = ByteBuffer.wrap(stored);
    if (b.get() != INTENT_FORMAT) {
      throw new IllegalStateException("unknown MVCC intent format " + stored[0]);
    }
    UUID id = new UUID(b.getLong(), b.getLong());
    int epoch = b.getInt();
    Timestamp ts = new Timestamp(b.getLong(), b.getInt());
    int seq = b.getInt();
    byte[] version = Arrays.copyOfRange(stored, INTENT_HEADER, stored.length);
    return new Intent(new TxnMeta(id, epoch, ts, seq), version);
  }

  /** A decoded intent: the writer, and the provisional value in stored version form. */
  record Intent(TxnMeta txn, byte[] storedValue) {
    Timestamp timestamp() {
      return txn.writeTimestamp();
    }

    boolean isTombstone() {
      return MvccValues.isTombstone(storedValue);
    }
  }
}
