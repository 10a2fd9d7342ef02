package io.rangedb.rangestore.storage;

import java.util.Locale;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** Turns RocksDB's status codes into the typed exceptions callers can react to. */
final class RocksErrors {
  private RocksErrors() {}

  static StorageException translate(String what, RocksDBException e) {
    Status status = e.getStatus();
    Status.Code code = status == null ? Status.Code.Undefined : status.getCode();
    Status.SubCode sub = status == null ? Status.SubCode.None : status.getSubCode();
    String msg = String.valueOf(e.getMessage());
    String lower = msg.toLowerCase(Locale.ROOT);
    String text = what + ": " + msg;
    if (sub == Status.SubCode.NoSpace
        || lower.contains("no space left")
        // The SstFileManager size limit reports as IOError/SpaceLimit, a sub-code the JNI enum
        // lacks.
        || lower.contains("max allowed space")) {
      return new DiskFullException(text, e);
    }
    if (code == Status.Code.Corruption) {
      return new StoreCorruptedException(text, e);
    }
    // RocksDB words it "lock hold by current process" (same JVM) or "While lock file: .../LOCK:
    // Resource temporarily unavailable" (another process: the lock call failed); match those, not
    // any error about the LOCK file: one that cannot be opened at all ("While open a file for
    // lock": permissions, a read-only disk, too many open files) is no other store's doing.
    if (code == Status.Code.IOError
        && (lower.contains("lock hold") || lower.contains("while lock file"))) {
      return new StoreLockedException(text, e);
    }
    return new StorageException(text, e);
  }
}
