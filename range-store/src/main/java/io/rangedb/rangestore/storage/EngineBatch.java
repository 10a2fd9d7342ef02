package io.rangedb.rangestore.storage;

import java.util.function.Function;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Writes to any column families that become visible together, or not at all, when the engine writes
 * the batch ({@link StoreEngine#write}). This is how a replica applies a command and its applied
 * index at once, and how a Raft host appends entries of many groups and their hard states with one
 * fsync. Must be closed; used after that, or after its engine closed, it throws {@link
 * IllegalStateException}.
 */
public final class EngineBatch implements EngineWriter, AutoCloseable {
  private final WriteBatch batch = new WriteBatch();
  private final Function<ColumnFamily, ColumnFamilyHandle> handles;
  private boolean closed;

  EngineBatch(Function<ColumnFamily, ColumnFamilyHandle> handles) {
    this.handles = handles;
  }

  @Override
  public EngineBatch put(ColumnFamily cf, byte[] key, byte[] value) {
    try {
      open().put(handles.apply(cf), key, value);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("batch put", e);
    }
    return this;
  }

  @Override
  public EngineBatch delete(ColumnFamily cf, byte[] key) {
    try {
      open().delete(handles.apply(cf), key);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("batch delete", e);
    }
    return this;
  }

  /**
   * Deletes every key in {@code [start, end)} with one range tombstone, whatever the number of
   * keys: the cheap way to truncate a Raft log or drop a range's data.
   */
  @Override
  public EngineBatch deleteRange(ColumnFamily cf, byte[] start, byte[] end) {
    try {
      open().deleteRange(handles.apply(cf), start, end);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("batch delete range", e);
    }
    return this;
  }

  /** Number of operations in the batch. */
  public int count() {
    return open().count();
  }

  public long dataSize() {
    return open().getDataSize();
  }

  public boolean isEmpty() {
    return open().count() == 0;
  }

  WriteBatch rocksBatch() {
    return open();
  }

  /** The native batch, unless closed: RocksDB would write into freed memory. */
  private WriteBatch open() {
    if (closed) {
      throw new IllegalStateException("batch is closed");
    }
    return batch;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      batch.close();
    }
  }
}
