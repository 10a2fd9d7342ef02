package io.rangedb.rangestore.storage;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a store lives and how RocksDB is sized. Defaults suit a small node (2 cores); production
 * sizes the block cache from the node's memory setting.
 *
 * @param directory the store directory (on disk, or a virtual path inside {@code memory})
 * @param memory the in-memory file system to use, or null for the real disk
 * @param blockCacheBytes capacity of the LRU block cache shared by every column family
 * @param writeBufferBytes memtable size of the MVCC column family
 * @param backgroundJobs RocksDB flush + compaction threads
 * @param maxDiskBytes limit on SST bytes (0: none); when reached writes fail with {@link
 *     DiskFullException} instead of filling the disk
 */
public record StoreOptions(
    Path directory,
    InMemoryStorage memory,
    long blockCacheBytes,
    long writeBufferBytes,
    int backgroundJobs,
    long maxDiskBytes) {

  public static final long DEFAULT_BLOCK_CACHE_BYTES = 128L << 20;
  public static final long DEFAULT_WRITE_BUFFER_BYTES = 64L << 20;

  public StoreOptions {
    Objects.requireNonNull(directory, "directory");
    if (blockCacheBytes <= 0 || writeBufferBytes <= 0 || backgroundJobs < 1 || maxDiskBytes < 0) {
      throw new IllegalArgumentException("bad store options");
    }
  }

  public static StoreOptions onDisk(Path directory) {
    return new StoreOptions(
        directory, null, DEFAULT_BLOCK_CACHE_BYTES, DEFAULT_WRITE_BUFFER_BYTES, 2, 0);
  }

  /** A store named {@code name} inside {@code memory}; reopen with the same name to restart. */
  public static StoreOptions inMemory(InMemoryStorage memory, String name) {
    return new StoreOptions(Path.of("/rangedb-mem", name), memory, 8L << 20, 4L << 20, 2, 0);
  }

  public StoreOptions withBlockCacheBytes(long bytes) {
    return new StoreOptions(
        directory, memory, bytes, writeBufferBytes, backgroundJobs, maxDiskBytes);
  }

  public StoreOptions withWriteBufferBytes(long bytes) {
    return new StoreOptions(
        directory, memory, blockCacheBytes, bytes, backgroundJobs, maxDiskBytes);
  }

  public StoreOptions withMaxDiskBytes(long bytes) {
    return new StoreOptions(
        directory, memory, blockCacheBytes, writeBufferBytes, backgroundJobs, bytes);
  }

  boolean inMemory() {
    return memory != null;
  }
}
