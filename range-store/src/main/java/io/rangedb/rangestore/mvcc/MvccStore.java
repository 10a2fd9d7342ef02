package io.rangedb.rangestore.mvcc;

import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.EngineSnapshot;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.txn.hlc.Timestamp;
import java.util.List;

/**
 * MVCC operations on a store's {@link ColumnFamily#MVCC} data. Each write operation checks for
 * conflicts first, then applies all its changes in one atomic batch, and only then adds its
 * statistics delta to the caller's {@link MvccStats}: a conflict leaves data and statistics
 * untouched. Callers serialize writes to overlapping keys (latches do, above this layer).
 *
 * <p>Writers' rules: another transaction's intent on the key is a {@link WriteIntentException}; a
 * committed version at or above the write timestamp is a {@link WriteTooOldException}. A
 * transaction rewriting its own intent replaces it (keeping its timestamp if it was pushed higher).
 * Only the newest write of a transaction to a key is kept (no per-sequence history): a write of a
 * lower sequence than the intent's, in the same epoch, is a retried request and changes nothing.
 *
 * <p>Each method here is one operation in one batch. To evaluate a command (several operations that
 * see each other's writes, written at once or replicated), use {@link #newBatch}; the operations
 * are the same code ({@code MvccEvaluation}) either way.
 */
public final class MvccStore {
  private final StoreEngine engine;
  private final boolean sync;

  /**
   * @param sync whether each operation's batch is fsynced before returning
   */
  public MvccStore(StoreEngine engine, boolean sync) {
    this.engine = engine;
    this.sync = sync;
  }

  public StoreEngine engine() {
    return engine;
  }

  public KeyValue get(byte[] key, ReadAt read) {
    return MvccReads.get(engine, key, read);
  }

  public ScanResult scan(byte[] start, byte[] end, ReadAt read, ScanOptions options) {
    return MvccReads.scan(engine, start, end, read, options);
  }

  /** A non-transactional write of a committed version at {@code ts}. */
  public void put(byte[] key, Timestamp ts, byte[] value, MvccStats stats) {
    write(key, ts, null, value, stats);
  }

  /** A transactional write: an intent at the transaction's write timestamp. */
  public void put(byte[] key, TxnMeta txn, byte[] value, MvccStats stats) {
    write(key, txn.writeTimestamp(), txn, value, stats);
  }

  /** A non-transactional deletion: a tombstone version at {@code ts}. */
  public void delete(byte[] key, Timestamp ts, MvccStats stats) {
    write(key, ts, null, null, stats);
  }

  /** A transactional deletion: an intent holding a tombstone. */
  public void delete(byte[] key, TxnMeta txn, MvccStats stats) {
    write(key, txn.writeTimestamp(), txn, null, stats);
  }

  private void write(byte[] key, Timestamp ts, TxnMeta txn, byte[] value, MvccStats stats) {
    apply(
        (ev, delta) -> {
          ev.write(key, ts, txn, value, delta);
          return null;
        },
        stats);
  }

  /**
   * Deletes every key in {@code [start, end)} that is live for the writer, at {@code ts}
   * (non-transactional, {@code txn} null) or as intents of {@code txn}. Any conflict on any key of
   * the span fails the whole operation. Returns the deleted keys.
   */
  public List<byte[]> deleteRange(
      byte[] start, byte[] end, Timestamp ts, TxnMeta txn, MvccStats stats) {
    return apply((ev, delta) -> ev.deleteRange(start, end, ts, txn, delta), stats);
  }

  /**
   * Applies {@code status} of {@code txn} to its intent on {@code key}. A missing intent or one of
   * another transaction is left alone (resolution is idempotent). Returns whether anything changed.
   * See {@code MvccEvaluation} for what each status does.
   */
  public boolean resolveIntent(byte[] key, TxnMeta txn, TxnStatus status, MvccStats stats) {
    return apply((ev, delta) -> ev.resolveIntent(key, txn, status, delta), stats);
  }

  /** Resolves every intent of {@code txn} in {@code [start, end)}; returns how many changed. */
  public int resolveIntentRange(
      byte[] start, byte[] end, TxnMeta txn, TxnStatus status, MvccStats stats) {
    return apply((ev, delta) -> ev.resolveIntentRange(start, end, txn, status, delta), stats);
  }

  /**
   * Garbage-collects versions in {@code [start, end)} that no read at or above {@code threshold}
   * can see: for each key, everything older than its newest version at or below the threshold, and
   * that version too if it is a deletion. Intents are never touched. Returns the number of versions
   * removed.
   */
  public int gc(byte[] start, byte[] end, Timestamp threshold, MvccStats stats) {
    return apply((ev, delta) -> ev.gc(start, end, threshold, delta), stats);
  }

  /**
   * A command evaluation over the live store: see {@link MvccBatch}. The caller holds latches over
   * the keys it touches until the batch is written.
   */
  public MvccBatch newBatch() {
    return new MvccBatch(this, null);
  }

  /** A command evaluation reading through {@code base}, a snapshot of this store's engine. */
  public MvccBatch newBatch(EngineSnapshot base) {
    return new MvccBatch(this, base);
  }

  /**
   * Applies a command evaluated elsewhere ({@link MvccBatch#repr}) atomically, fsynced if this
   * store syncs, then adds {@code delta} (that batch's {@link MvccBatch#stats}) to {@code stats}.
   *
   * @throws io.rangedb.rangestore.storage.BatchCorruptedException the bytes do not parse; nothing
   *     is written and {@code stats} is unchanged
   */
  public void applyRepr(byte[] repr, MvccStats delta, MvccStats stats) {
    engine.writeRepr(repr, sync);
    stats.add(delta);
  }

  private interface Operation<T> {
    T run(MvccEvaluation ev, MvccStats delta);
  }

  /**
   * Runs one operation into a fresh batch, reading single keys through the engine's kept iterator,
   * writes the batch if the operation changed anything, and only then adds the delta to {@code
   * stats}: a conflict leaves data and statistics untouched.
   */
  private <T> T apply(Operation<T> op, MvccStats stats) {
    MvccStats delta = new MvccStats();
    T result;
    try (EngineBatch batch = engine.newBatch()) {
      result = op.run(new MvccEvaluation(engine, this::loadLatest, batch), delta);
      if (!batch.isEmpty()) {
        engine.write(batch, sync);
      }
    }
    stats.add(delta);
    return result;
  }

  /**
   * The intent and newest version of one key, through the engine's kept iterator: a write's read
   * costs a refresh instead of creating and destroying a RocksDB iterator. KeyRecords holds copies,
   * so nothing refers to the iterator once it is handed back.
   */
  KeyRecords loadLatest(byte[] key, byte[] ik) {
    return engine.withLatestIterator(
        ColumnFamily.MVCC, it -> KeyRecords.load(new MvccCursor(it), key, ik));
  }
}
