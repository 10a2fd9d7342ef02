package io.rangedb.rangestore.raftlog;

import io.rangedb.rangestore.storage.ColumnFamily;
import java.nio.ByteBuffer;

/**
 * Key layout of the Raft log column family, shared by every group of a store: an 8-byte big-endian
 * group id (the column family's prefix-extractor length, so prefix seeks and blooms stay within a
 * group), a kind byte, and for entries an 8-byte big-endian index, so a group's entries sort by
 * index and a suffix or prefix of its log is one range delete.
 */
final class RaftLogKeys {
  static final byte HARD_STATE = 0x01;
  static final byte SNAPSHOT = 0x02;
  static final byte TRUNCATED = 0x03;

  /** Where a destroyed replica's log ended (see {@code LogStorage#lostLog}). */
  static final byte LOST = 0x04;

  static final byte ENTRY = 0x10;

  /** Sorts after every key of a group; the exclusive end of "everything of this group". */
  private static final byte GROUP_END = (byte) 0xFF;

  private RaftLogKeys() {}

  static {
    if (ColumnFamily.RAFT_LOG_PREFIX_BYTES != Long.BYTES) {
      throw new AssertionError("the Raft log key layout assumes an 8-byte group prefix");
    }
  }

  static byte[] hardState(long group) {
    return meta(group, HARD_STATE);
  }

  static byte[] snapshot(long group) {
    return meta(group, SNAPSHOT);
  }

  static byte[] truncated(long group) {
    return meta(group, TRUNCATED);
  }

  static byte[] lost(long group) {
    return meta(group, LOST);
  }

  static byte[] entry(long group, long index) {
    return ByteBuffer.allocate(17).putLong(group).put(ENTRY).putLong(index).array();
  }

  /** Exclusive end of the entries of {@code group}: every entry index sorts below it. */
  static byte[] entriesEnd(long group) {
    return ByteBuffer.allocate(9).putLong(group).put((byte) (ENTRY + 1)).array();
  }

  static byte[] groupStart(long group) {
    return ByteBuffer.allocate(8).putLong(group).array();
  }

  static byte[] groupEnd(long group) {
    return meta(group, GROUP_END);
  }

  static long groupOf(byte[] key) {
    return ByteBuffer.wrap(key, 0, 8).getLong();
  }

  static byte kindOf(byte[] key) {
    return key[8];
  }

  static long indexOf(byte[] entryKey) {
    return ByteBuffer.wrap(entryKey, 9, 8).getLong();
  }

  private static byte[] meta(long group, byte kind) {
    return ByteBuffer.allocate(9).putLong(group).put(kind).array();
  }
}
