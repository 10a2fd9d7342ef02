package io.rangedb.rangestore.mvcc;

import io.rangedb.txn.hlc.Timestamp;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The layout of MVCC data in RocksDB, which compares keys as plain bytes (a Java comparator would
 * cost a JNI upcall per comparison):
 *
 * <pre>
 *   intent of k:        esc(k) 0x00 0x01
 *   version of k at ts: esc(k) 0x00 0x01 ~wall(8 bytes) ~logical(4 bytes)
 * </pre>
 *
 * esc(k) writes each 0x00 of the user key as 0x00 0xFF, so esc(k) 0x00 0x01 ends every user key the
 * same way and no user key's records can interleave with another's (even when one key is a prefix
 * of the other): user-key order is preserved and all records of k are contiguous. The complemented
 * big-endian timestamp puts newer versions first; the intent (no timestamp) sorts before all of
 * them, so one seek finds the intent and the newest version.
 */
final class MvccKeys {
  static final int TIMESTAMP_BYTES = 12;

  private MvccKeys() {}

  /** The intent key of {@code userKey}; also the smallest record of that key. */
  static byte[] intentKey(byte[] userKey) {
    return encode(userKey, 0);
  }

  static byte[] versionKey(byte[] userKey, Timestamp ts) {
    byte[] out = encode(userKey, TIMESTAMP_BYTES);
    ByteBuffer.wrap(out, out.length - TIMESTAMP_BYTES, TIMESTAMP_BYTES)
        .putLong(~ts.wallNanos())
        .putInt(~ts.logical());
    return out;
  }

  /** The first encoded key after every record of {@code userKey}. */
  static byte[] keyEnd(byte[] userKey) {
    byte[] out = intentKey(userKey);
    out[out.length - 1]++;
    return out;
  }

  /**
   * Whether {@code encoded} is a record (intent or version) of the user key with this intent key.
   */
  static boolean belongsTo(byte[] encoded, byte[] intentKey) {
    return encoded.length >= intentKey.length
        && Arrays.equals(encoded, 0, intentKey.length, intentKey, 0, intentKey.length);
  }

  static boolean isIntentKey(byte[] encoded, byte[] intentKey) {
    return encoded.length == intentKey.length && belongsTo(encoded, intentKey);
  }

  /** The timestamp of a version record of the key whose intent key is given. */
  static Timestamp versionTimestamp(byte[] encoded, byte[] intentKey) {
    if (encoded.length != intentKey.length + TIMESTAMP_BYTES) {
      throw new IllegalStateException("not an MVCC version key of that user key");
    }
    ByteBuffer b = ByteBuffer.wrap(encoded, intentKey.length, TIMESTAMP_BYTES);
    return new Timestamp(~b.getLong(), ~b.getInt());
  }

  /** The intent key of the user key that {@code encoded} (any record) belongs to. */
  static byte[] intentKeyOf(byte[] encoded) {
    for (int i = 0; i + 1 < encoded.length; i++) {
      if (encoded[i] == 0) {
        if (encoded[i + 1] == 0x01) {
          return Arrays.copyOf(encoded, i + 2);
        }
        i++; // skip the escaped zero
      }
    }
    throw new IllegalStateException("not an MVCC key: " + Arrays.toString(encoded));
  }

  static byte[] userKeyOf(byte[] intentKey) {
    int end = intentKey.length - 2;
    int escapes = 0;
    for (int i = 0; i < end; i++) {
      if (intentKey[i] == 0) {
        escapes++;
        i++;
      }
    }
    if (escapes == 0) {
      return Arrays.copyOf(intentKey, end); // the common case: one copy, no second pass
    }
    byte[] out = new byte[end - escapes];
    int n = 0;
    for (int i = 0; i < end; i++) {
      out[n++] = intentKey[i];
      if (intentKey[i] == 0) {
        i++;
      }
    }
    return out;
  }

  private static byte[] encode(byte[] userKey, int extra) {
    int zeros = 0;
    for (byte b : userKey) {
      if (b == 0) {
        zeros++;
      }
    }
    byte[] out = new byte[userKey.length + zeros + 2 + extra];
    int n = 0;
    if (zeros == 0) {
      System.arraycopy(userKey, 0, out, 0, userKey.length);
      n = userKey.length;
    } else {
      for (byte b : userKey) {
        out[n++] = b;
        if (b == 0) {
          out[n++] = (byte) 0xFF;
        }
      }
    }
    out[n++] = 0x00;
    out[n] = 0x01;
    return out;
  }
}
