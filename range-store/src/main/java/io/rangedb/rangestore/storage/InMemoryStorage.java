package io.rangedb.rangestore.storage;

import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.Env;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksMemEnv;

/**
 * A RocksDB in-memory file system ({@link RocksMemEnv}) for tests and simulations: the engine runs
 * the very same RocksDB code as on disk, only its files live in memory. The files outlive the
 * stores opened on them, so a test can close a store and reopen it ("restart") with the same
 * contents; they vanish when this object is closed, which must happen after every store on it is.
 */
public final class InMemoryStorage implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private final RocksMemEnv env = new RocksMemEnv(Env.getDefault());
  private final AtomicBoolean closed = new AtomicBoolean();

  Env env() {
    if (closed.get()) {
      throw new IllegalStateException("in-memory storage is closed");
    }
    return env;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      env.close();
    }
  }
}
