package io.rangedb.rangestore.storage;

/** Another open store (in this or another process) holds the directory's lock. */
public final class StoreLockedException extends StorageException {
  private static final long serialVersionUID = 1L;

  public StoreLockedException(String message, Throwable cause) {
    super(message, cause);
  }
}
