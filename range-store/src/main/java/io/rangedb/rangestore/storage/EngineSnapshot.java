package io.rangedb.rangestore.storage;

/**
 * A consistent, unchanging view of every column family as of its creation: later writes are
 * invisible to it. Used to send a replica snapshot or run a long scan against one state. Pins old
 * data in RocksDB until closed.
 */
public interface EngineSnapshot extends EngineReader, AutoCloseable {
  @Override
  void close();
}
