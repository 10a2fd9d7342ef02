package io.rangedb.rangestore.mvcc;

/**
 * An MVCC operation met data that makes it unsafe to proceed as asked. Nothing was written. The
 * subclasses carry what the transaction layer needs to resolve it (push the intent's writer, retry
 * at a higher timestamp).
 */
public abstract sealed class MvccConflictException extends RuntimeException
    permits WriteIntentException, WriteTooOldException, ReadWithinUncertaintyException {
  private static final long serialVersionUID = 1L;

  MvccConflictException(String message) {
    super(message, null, false, false);
  }
}
