package io.rangedb.rangestore.storage;

/** Read access to a store: the live engine, or a consistent snapshot of it. */
public interface EngineReader {
  /** The value of {@code key}, or null when absent. */
  byte[] get(ColumnFamily cf, byte[] key);

  /** An iterator that must be closed; it is unpositioned until a seek. */
  EngineIterator newIterator(ColumnFamily cf, IterOptions options);
}
