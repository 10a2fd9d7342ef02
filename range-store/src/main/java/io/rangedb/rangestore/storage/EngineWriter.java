package io.rangedb.rangestore.storage;

/**
 * The write side of a batch: changes that become visible together when the batch is written. Both
 * {@link EngineBatch} (write only) and {@link IndexedBatch} (readable before it is written) offer
 * it, so code that produces writes does not care which one it fills.
 */
public interface EngineWriter {
  EngineWriter put(ColumnFamily cf, byte[] key, byte[] value);

  EngineWriter delete(ColumnFamily cf, byte[] key);

  /** Deletes every key in {@code [start, end)}. */
  EngineWriter deleteRange(ColumnFamily cf, byte[] start, byte[] end);
}
