package io.rangedb.rangestore.mvcc;

import io.rangedb.txn.hlc.Timestamp;
import java.util.HexFormat;

/**
 * A write at a timestamp at or below the key's newest committed version: it would rewrite history.
 * The writer retries at {@link #retryTimestamp()}, just above the existing version.
 */
public final class WriteTooOldException extends MvccConflictException {
  private static final long serialVersionUID = 1L;
  private final byte[] key;
  private final transient Timestamp existing;
  private final transient Timestamp retry;

  public WriteTooOldException(byte[] key, Timestamp requested, Timestamp existing) {
    super(
        "write at "
            + requested
            + " on key "
            + HexFormat.of().formatHex(key)
            + " is too old: a committed version exists at "
            + existing);
    this.key = key.clone();
    this.existing = existing;
    this.retry = existing.next();
  }

  public byte[] key() {
    return key.clone();
  }

  public Timestamp existingTimestamp() {
    return existing;
  }

  public Timestamp retryTimestamp() {
    return retry;
  }
}
