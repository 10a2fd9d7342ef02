/**
 * Multi-version concurrency control on the store's MVCC column family.
 *
 * <h2>Encoding</h2>
 *
 * See {@code MvccKeys}: the user key, escaped so that it ends unambiguously, then nothing (the
 * intent) or a 12-byte complemented timestamp (a version), so that RocksDB's bytewise order is user
 * key ascending, intent, versions newest first. A version's value is 0x01 plus the user value, or
 * empty for a deletion (tombstone). An intent's value holds its {@link
 * io.rangedb.rangestore.mvcc.TxnMeta} and the provisional value itself: unlike CockroachDB (intent
 * metadata plus a provisional version at the write timestamp) there is one record to read, write
 * and delete, and committing at a higher timestamp is a delete of the intent and a put of the
 * version. Only the newest write of a transaction to a key is kept; per-sequence intent history
 * (for savepoint rollback and reads at an older sequence) is not implemented yet.
 *
 * <h2>Rules</h2>
 *
 * Reads: see {@link io.rangedb.rangestore.mvcc.MvccReads}. Writes and resolution: see {@link
 * io.rangedb.rangestore.mvcc.MvccStore}. A scan reports the first conflict it meets in scan order
 * and does not look past a limit; when a limit stops it, the result carries the span still to scan
 * (forward: from just after the last row to the end; reverse: from the start to the last row), even
 * if that span turns out empty.
 *
 * <h2>Commands</h2>
 *
 * {@link io.rangedb.rangestore.mvcc.MvccBatch} (from {@link
 * io.rangedb.rangestore.mvcc.MvccStore#newBatch}) evaluates a command: the same operations as
 * {@code MvccStore}, against the live store or a snapshot, into one indexed write batch and one
 * statistics delta, nothing written. Each operation reads (and conflicts with) the earlier ones'
 * writes; one that throws is rolled back to a save point, so the command may continue. It ends with
 * {@code commit(sync, stats)} (written locally) or {@code repr()} (RocksDB's serialized batch, to
 * replicate), which every replica applies with {@link
 * io.rangedb.rangestore.mvcc.MvccStore#applyRepr} together with the batch's {@code stats()}.
 * Corrupt bytes are refused before anything is written ({@code BatchCorruptedException}). The rules
 * live once, in {@code MvccEvaluation}; {@code MvccStore}'s one-operation methods run the same code
 * over the live store and a plain batch (faster for a single operation: no index).
 *
 * <h2>Statistics</h2>
 *
 * {@link io.rangedb.rangestore.mvcc.MvccStats}: every write operation computes its exact delta from
 * the records it reads and writes, and adds it to the caller's accumulator only after its batch is
 * written (for a command: the batch's delta, added when it is committed or applied). {@code
 * MvccModelTest} checks after every random operation that the running sum equals a full recompute
 * and the model's own count.
 */
package io.rangedb.rangestore.mvcc;
