package io.rangedb.rangestore.mvcc;

import io.rangedb.txn.hlc.Timestamp;
import java.util.Objects;
import java.util.UUID;

/**
 * What an intent records about the transaction that wrote it: enough for a reader to tell its own
 * writes from others', and for a conflicting transaction to find and push the writer.
 *
 * @param id the transaction's identity
 * @param epoch incremented when the transaction restarts; writes of older epochs are discarded
 * @param writeTimestamp the timestamp the transaction currently intends to commit at (the intent's
 *     provisional timestamp)
 * @param sequence the write's position within the transaction
 */
public record TxnMeta(UUID id, int epoch, Timestamp writeTimestamp, int sequence) {
  public TxnMeta {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(writeTimestamp, "writeTimestamp");
    if (epoch < 0 || sequence < 0) {
      throw new IllegalArgumentException("negative epoch or sequence");
    }
  }

  public TxnMeta withWriteTimestamp(Timestamp ts) {
    return new TxnMeta(id, epoch, ts, sequence);
  }

  public boolean sameTxn(TxnMeta other) {
    return other != null && id.equals(other.id);
  }
}
