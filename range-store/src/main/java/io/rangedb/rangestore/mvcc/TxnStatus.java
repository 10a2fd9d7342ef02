package io.rangedb.rangestore.mvcc;

/** The outcome an intent resolution applies. */
public enum TxnStatus {
  /** Still running but pushed: the intent's timestamp moves up to the transaction's. */
  PENDING,
  /** The intent becomes a committed version at the transaction's write timestamp. */
  COMMITTED,
  /** The intent disappears. */
  ABORTED
}
