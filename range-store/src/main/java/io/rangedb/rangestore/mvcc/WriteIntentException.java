package io.rangedb.rangestore.mvcc;

import java.util.HexFormat;

/**
 * Another transaction's intent is in the way: of a read at or above the intent's timestamp, or of
 * any write. The caller pushes (or waits for) {@link #holder()} and retries.
 */
public final class WriteIntentException extends MvccConflictException {
  private static final long serialVersionUID = 1L;
  private final byte[] key;
  private final transient TxnMeta holder;

  public WriteIntentException(byte[] key, TxnMeta holder) {
    super("conflicting intent on key " + HexFormat.of().formatHex(key) + " of txn " + holder);
    this.key = key.clone();
    this.holder = holder;
  }

  public byte[] key() {
    return key.clone();
  }

  public TxnMeta holder() {
    return holder;
  }
}
