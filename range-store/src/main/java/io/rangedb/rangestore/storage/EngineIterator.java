package io.rangedb.rangestore.storage;

import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

/**
 * A positioned cursor over one column family, within the bounds it was created with. Not
 * thread-safe. It pins the RocksDB state it reads (memtables, files), so close it promptly. {@link
 * #valid()} checks the iterator's status when it runs off the data: an I/O error or corruption
 * throws instead of looking like the end of the data. Used after it was closed (by its owner, or by
 * the engine or batch closing its leftovers) it throws {@link IllegalStateException}: RocksDB's own
 * iterator would read freed native memory.
 */
public final class EngineIterator implements AutoCloseable {
  private final RocksIterator it;
  private final ReadOptions readOptions;
  private final Slice lower;
  private final Slice upper;
  private final Runnable onClose;
  private boolean closed;

  EngineIterator(
      RocksIterator it, ReadOptions readOptions, Slice lower, Slice upper, Runnable onClose) {
    this.it = it;
    this.readOptions = readOptions;
    this.lower = lower;
    this.upper = upper;
    this.onClose = onClose;
  }

  /** Positions at the first key {@code >= key}. */
  public void seek(byte[] key) {
    ensureOpen();
    it.seek(key);
  }

  /** Positions at the last key {@code <= key}. */
  public void seekForPrev(byte[] key) {
    ensureOpen();
    it.seekForPrev(key);
  }

  /**
   * Moves the iterator to the store's latest state, as if it were created anew (unpositioned), but
   * keeping its native objects: cheaper than closing it and creating another.
   */
  void refresh() {
    ensureOpen();
    try {
      it.refresh();
    } catch (RocksDBException e) {
      throw RocksErrors.translate("refreshing", e);
    }
  }

  public void seekToFirst() {
    ensureOpen();
    it.seekToFirst();
  }

  public void seekToLast() {
    ensureOpen();
    it.seekToLast();
  }

  public void next() {
    ensureOpen();
    it.next();
  }

  public void prev() {
    ensureOpen();
    it.prev();
  }

  public boolean valid() {
    ensureOpen();
    if (it.isValid()) {
      return true;
    }
    try {
      it.status();
    } catch (RocksDBException e) {
      throw RocksErrors.translate("iterating", e);
    }
    return false;
  }

  public byte[] key() {
    ensureOpen();
    return it.key();
  }

  public byte[] value() {
    ensureOpen();
    return it.value();
  }

  /** The length of the current value, without copying it out of RocksDB. */
  public int valueLength() {
    ensureOpen();
    return it.value(NO_BYTES);
  }

  private static final byte[] NO_BYTES = new byte[0];

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("iterator used after it was closed");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // The iterator first: it refers to the read options and bound slices.
    it.close();
    if (readOptions != null) {
      readOptions.close(); // null when the engine shares one among iterators
    }
    if (lower != null) {
      lower.close();
    }
    if (upper != null) {
      upper.close();
    }
    onClose.run();
  }
}
