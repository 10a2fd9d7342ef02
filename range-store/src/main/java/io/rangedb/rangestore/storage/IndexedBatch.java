package io.rangedb.rangestore.storage;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;

/**
 * A write batch that can be read before it is written: reads ({@link #get}, {@link #newIterator})
 * see the batch's own writes over the store's state, the live state or a snapshot's (RocksDB's
 * {@code WriteBatchWithIndex}). This is how a command is evaluated: its operations read what the
 * earlier ones wrote, and the batch as a whole is then either written locally ({@link
 * StoreEngine#write(IndexedBatch, boolean)}) or serialized ({@link #repr}) to be replicated and
 * applied elsewhere ({@link StoreEngine#writeRepr}).
 *
 * <p>A later write to a key replaces the earlier one in the index (reads see the newest), while the
 * serialized batch keeps both in order, so applying it has the same result. {@link #deleteRange} is
 * not readable through the index (RocksDB does not index range deletions), so it is refused.
 *
 * <p>Not thread-safe. Iterators must be closed before the batch; the batch closes any left open.
 * Writing to the batch while an iterator is open is allowed, but the iterator's position becomes
 * undefined: seek again before reading. Must be closed; the native batch is freed exactly once.
 */
public final class IndexedBatch implements EngineReader, EngineWriter, AutoCloseable {
  private final StoreEngine engine;
  private final StoreEngine.StoreSnapshot base; // null: the live state
  private final WriteBatchWithIndex batch;
  private final Set<EngineIterator> openIterators = new HashSet<>();
  private boolean closed;

  IndexedBatch(StoreEngine engine, StoreEngine.StoreSnapshot base) {
    this.engine = engine;
    this.base = base;
    // overwriteKey: the index keeps one entry per key, the newest, which is what reads need.
    this.batch = new WriteBatchWithIndex(true);
    NativeHandles.opened();
  }

  @Override
  public byte[] get(ColumnFamily cf, byte[] key) {
    checkReadable();
    return engine.getThrough(batch, cf, key, base);
  }

  @Override
  public EngineIterator newIterator(ColumnFamily cf, IterOptions options) {
    checkReadable();
    EngineIterator[] self = new EngineIterator[1];
    self[0] =
        engine.newIterator(
            cf,
            options,
            base == null ? null : base.rocksSnapshot(),
            batch,
            () -> {
              openIterators.remove(self[0]);
            });
    openIterators.add(self[0]);
    return self[0];
  }

  @Override
  public IndexedBatch put(ColumnFamily cf, byte[] key, byte[] value) {
    try {
      open().put(engine.handle(cf), key, value);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("indexed batch put", e);
    }
    return this;
  }

  @Override
  public IndexedBatch delete(ColumnFamily cf, byte[] key) {
    try {
      open().delete(engine.handle(cf), key);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("indexed batch delete", e);
    }
    return this;
  }

  /** Refused: RocksDB cannot read a range deletion through a batch's index. */
  @Override
  public IndexedBatch deleteRange(ColumnFamily cf, byte[] start, byte[] end) {
    throw new UnsupportedOperationException(
        "an indexed batch cannot read through a range deletion; use an EngineBatch");
  }

  /**
   * Marks the current state of the batch; {@link #rollbackToSavePoint} returns to it, {@link
   * #popSavePoint} forgets it. Save points nest.
   */
  public void setSavePoint() {
    open().setSavePoint();
  }

  /** Drops every write since the newest save point, and the save point. No iterator may be open. */
  public void rollbackToSavePoint() {
    if (!openIterators.isEmpty()) {
      // Rolling back rebuilds the index that open iterators point into.
      throw new IllegalStateException("rolling back an indexed batch with iterators open");
    }
    try {
      open().rollbackToSavePoint();
    } catch (RocksDBException e) {
      throw RocksErrors.translate("rolling back an indexed batch", e);
    }
  }

  /** Forgets the newest save point, keeping the writes made since. */
  public void popSavePoint() {
    try {
      open().popSavePoint();
    } catch (RocksDBException e) {
      throw RocksErrors.translate("popping a save point", e);
    }
  }

  /** Number of operations in the batch (a key written twice counts twice). */
  public int count() {
    return open().count();
  }

  public boolean isEmpty() {
    return count() == 0;
  }

  /**
   * The batch in RocksDB's serialized form, which {@link StoreEngine#writeRepr} applies atomically
   * to any store (stores share column family ids: they create them in one order).
   */
  public byte[] repr() {
    try (WriteBatch wb = open().getWriteBatch()) { // a view: closing it frees nothing
      return wb.data();
    } catch (RocksDBException e) {
      throw RocksErrors.translate("serializing an indexed batch", e);
    }
  }

  WriteBatchWithIndex rocksBatch() {
    return open();
  }

  private WriteBatchWithIndex open() {
    if (closed) {
      throw new IllegalStateException("indexed batch is closed");
    }
    return batch;
  }

  private void checkReadable() {
    open();
    if (base != null) {
      base.check();
    }
  }

  /** Closes iterators still open, then frees the batch. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    List<EngineIterator> left = new ArrayList<>(openIterators);
    for (EngineIterator it : left) {
      it.close();
    }
    closed = true;
    batch.close();
    NativeHandles.closed();
  }
}
