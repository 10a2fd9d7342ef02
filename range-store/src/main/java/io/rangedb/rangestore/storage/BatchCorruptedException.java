package io.rangedb.rangestore.storage;

/**
 * The bytes offered as a serialized write batch ({@link StoreEngine#writeRepr}) do not parse, or
 * hold operations or column families a store never produces. Nothing was written. Unlike {@link
 * StoreCorruptedException} the store itself is intact: the damage is in the bytes (a replicated
 * command, a file), and every store would refuse them alike.
 */
public final class BatchCorruptedException extends StorageException {
  private static final long serialVersionUID = 1L;

  public BatchCorruptedException(String message, Throwable cause) {
    super(message, cause);
  }
}
