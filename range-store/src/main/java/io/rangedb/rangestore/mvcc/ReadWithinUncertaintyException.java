package io.rangedb.rangestore.mvcc;

import io.rangedb.txn.hlc.Timestamp;
import java.util.HexFormat;

/**
 * A read at T found a value (or another transaction's intent) in (T, uncertainty limit]: given
 * clock skew it may have been written before the read began, so the reader cannot just ignore it.
 * The transaction moves its read timestamp to {@link #valueTimestamp()} and retries.
 */
public final class ReadWithinUncertaintyException extends MvccConflictException {
  private static final long serialVersionUID = 1L;
  private final byte[] key;
  private final transient Timestamp readTimestamp;
  private final transient Timestamp valueTimestamp;

  public ReadWithinUncertaintyException(
      byte[] key, Timestamp readTimestamp, Timestamp valueTimestamp) {
    super(
        "read at "
            + readTimestamp
            + " of key "
            + HexFormat.of().formatHex(key)
            + " found a value at "
            + valueTimestamp
            + " within its uncertainty interval");
    this.key = key.clone();
    this.readTimestamp = readTimestamp;
    this.valueTimestamp = valueTimestamp;
  }

  public byte[] key() {
    return key.clone();
  }

  public Timestamp readTimestamp() {
    return readTimestamp;
  }

  public Timestamp valueTimestamp() {
    return valueTimestamp;
  }
}
