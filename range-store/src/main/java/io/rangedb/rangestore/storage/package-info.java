/**
 * The storage engine: one RocksDB per store ({@link io.rangedb.rangestore.storage.StoreEngine}).
 *
 * <h2>Layout</h2>
 *
 * Three column families in one database, so one {@link io.rangedb.rangestore.storage.EngineBatch}
 * changes several atomically: {@code default} for store-local state (the store identity marker,
 * later per-replica applied state), {@code mvcc} for user data (see {@code
 * io.rangedb.rangestore.mvcc}), and {@code raft_log} for the Raft logs of every group on the store.
 * The Raft log family has an 8-byte prefix extractor with prefix blooms: keys are meant to be
 * {@code groupId(8, big-endian) | kind | index(8, big-endian)}, hard state beside the entries, so a
 * prefix-seek iterator stays within one group and truncating a group's log is one range deletion.
 * Sync writes ({@code write(batch, true)}) fsync the WAL before returning, which is what a replica
 * needs before it acknowledges or votes. Obsolete WAL files are reused rather than deleted, which
 * makes each fsync cheaper once a store has flushed twice (no file size to write back).
 *
 * <h2>Indexed batches</h2>
 *
 * {@link io.rangedb.rangestore.storage.IndexedBatch} (RocksDB's {@code WriteBatchWithIndex}) is a
 * batch that is also an {@link io.rangedb.rangestore.storage.EngineReader}: reads see its writes
 * over the live store or a snapshot. It is written locally, or serialized ({@code repr()}) and
 * applied elsewhere with {@code StoreEngine.writeRepr}, which parses the bytes in full first (a
 * malformed batch would otherwise reach the write-ahead log before RocksDB noticed) and refuses
 * malformed records, unknown column families and record kinds we never write with {@link
 * io.rangedb.rangestore.storage.BatchCorruptedException}. Serialized batches name column families
 * by id; every store creates its families in one order, so the ids agree across stores.
 *
 * <h2>Options and why</h2>
 *
 * One LRU block cache for all families, sized by a setting, so memory is bounded whichever family
 * is hot; 10-bit bloom filters; index and filter blocks in the cache (pinned for L0) so they count
 * against the same budget; LZ4 for upper levels, ZSTD for the bottommost level, which holds most of
 * the data and changes least; two background jobs for a 2-core machine; 1 MiB bytes-per-sync to
 * avoid large write-back stalls. There is no bloom filter benefit for MVCC point reads: MVCC keys
 * carry a timestamp suffix and RocksDB's JNI offers only fixed-length prefix extractors.
 *
 * <h2>Errors</h2>
 *
 * Nothing is swallowed. {@link io.rangedb.rangestore.storage.ForeignStoreException}: the directory
 * holds other files, another program's RocksDB, or a store of a newer format (an identity key is
 * written at creation and checked at every open). {@link
 * io.rangedb.rangestore.storage.StoreCorruptedException}: RocksDB reports corruption (a damaged
 * MANIFEST is probed with a read-only open, so it is not mistaken for a foreign database; RocksDB
 * data files without a CURRENT file are reported, never recreated over, while a creation that was
 * interrupted before any data is simply completed, even one that made only some of the column
 * families: a RocksDB database that holds no key is taken as such). {@link
 * io.rangedb.rangestore.storage.StoreLockedException}: another open store holds the directory.
 * {@link io.rangedb.rangestore.storage.DiskFullException}: ENOSPC, or the optional store size limit
 * ({@code maxDiskBytes}, enforced by RocksDB's SstFileManager) was reached; the failed write is not
 * applied and RocksDB refuses further writes until reopened. Iterators check their status when they
 * run off the data, so an I/O error never looks like the end of a span.
 *
 * <h2>Native resources</h2>
 *
 * Every native object an engine creates is registered with its {@code NativeHandles} and closed
 * exactly once in reverse creation order; iterators and snapshots a caller forgot are closed (and
 * logged) at engine close. {@code StoreEngineLeakTest} opens and closes a store 1,000 times and
 * checks handle counts, open file descriptors and resident memory.
 *
 * <p>{@link io.rangedb.rangestore.storage.InMemoryStorage} runs the same RocksDB code on its
 * in-memory Env, for tests and simulations; files survive store close, so restarts can be tested.
 */
package io.rangedb.rangestore.storage;
