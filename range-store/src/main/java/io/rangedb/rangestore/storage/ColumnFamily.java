package io.rangedb.rangestore.storage;

import java.nio.charset.StandardCharsets;

/**
 * The column families of a store. They live in one RocksDB so that one {@link EngineBatch} can
 * change several atomically (a replica's applied index together with the data it applied, Raft
 * entries together with hard state).
 */
public enum ColumnFamily {
  /**
   * Store-local state: identity marker, per-replica bookkeeping. RocksDB's mandatory default CF.
   */
  LOCAL("default"),
  /** MVCC user data: versioned keys and intents (see {@code io.rangedb.rangestore.mvcc}). */
  MVCC("mvcc"),
  /**
   * Raft logs of every group on the store. Keys are expected to start with an 8-byte group id: the
   * CF has an 8-byte prefix extractor with prefix bloom filters, so a prefix-seek iterator stays
   * inside one group, and a group's large truncation can be one {@link EngineBatch#deleteRange}
   * (small ones delete entry by entry, see the Raft log storage).
   */
  RAFT_LOG("raft_log");

  /** Length of the prefix extractor of {@link #RAFT_LOG}. */
  public static final int RAFT_LOG_PREFIX_BYTES = 8;

  private final String rocksName;

  ColumnFamily(String rocksName) {
    this.rocksName = rocksName;
  }

  byte[] rocksName() {
    return rocksName.getBytes(StandardCharsets.UTF_8);
  }

  String rocksNameString() {
    return rocksName;
  }
}
