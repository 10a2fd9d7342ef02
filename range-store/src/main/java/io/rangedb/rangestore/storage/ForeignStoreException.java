package io.rangedb.rangestore.storage;

/**
 * The directory holds something that is not a rangedb store of a format this build understands:
 * other files, a RocksDB created by another program, or a store written by a newer rangedb. We
 * refuse to open it rather than write into (and possibly destroy) someone else's data.
 */
public final class ForeignStoreException extends StorageException {
  private static final long serialVersionUID = 1L;

  public ForeignStoreException(String message) {
    super(message);
  }
}
