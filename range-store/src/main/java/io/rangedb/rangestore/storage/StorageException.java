package io.rangedb.rangestore.storage;

/**
 * A failure of the storage engine. Unchecked: callers cannot repair the disk, and every such error
 * must surface (never be swallowed) so that a replica stops instead of silently losing writes.
 * Subclasses name the cases an operator must tell apart.
 */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageException(String message) {
    super(message);
  }
}
