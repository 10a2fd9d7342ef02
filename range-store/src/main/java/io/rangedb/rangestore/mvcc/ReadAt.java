package io.rangedb.rangestore.mvcc;

import io.rangedb.txn.hlc.Timestamp;
import java.util.Objects;

/**
 * How a read looks at MVCC data.
 *
 * @param timestamp the read timestamp T: versions above it are invisible
 * @param txn the reading transaction (sees its own intents), or null
 * @param uncertaintyLimit values in (T, limit] are reported as uncertain; equal to T for none
 */
public record ReadAt(Timestamp timestamp, TxnMeta txn, Timestamp uncertaintyLimit) {
  public ReadAt {
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(uncertaintyLimit, "uncertaintyLimit");
    if (uncertaintyLimit.lessThan(timestamp)) {
      uncertaintyLimit = timestamp;
    }
  }

  public static ReadAt at(Timestamp ts) {
    return new ReadAt(ts, null, ts);
  }

  public ReadAt withTxn(TxnMeta reader) {
    return new ReadAt(timestamp, reader, uncertaintyLimit);
  }

  public ReadAt withUncertaintyLimit(Timestamp limit) {
    return new ReadAt(timestamp, txn, limit);
  }
}
