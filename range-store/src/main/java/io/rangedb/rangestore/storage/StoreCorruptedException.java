package io.rangedb.rangestore.storage;

/** The data on disk fails RocksDB's checksums or structure checks. Restore from replicas. */
public final class StoreCorruptedException extends StorageException {
  private static final long serialVersionUID = 1L;

  public StoreCorruptedException(String message, Throwable cause) {
    super(message, cause);
  }
}
