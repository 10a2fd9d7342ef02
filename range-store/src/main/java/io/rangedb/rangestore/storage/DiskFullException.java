package io.rangedb.rangestore.storage;

/**
 * The disk (or the store's configured size limit) is full. The write that hit it did not happen;
 * RocksDB stops accepting writes until space is freed and the store is reopened.
 */
public final class DiskFullException extends StorageException {
  private static final long serialVersionUID = 1L;

  public DiskFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
