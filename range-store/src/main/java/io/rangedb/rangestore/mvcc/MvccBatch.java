package io.rangedb.rangestore.mvcc;

import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineReader;
import io.rangedb.rangestore.storage.EngineSnapshot;
import io.rangedb.rangestore.storage.IndexedBatch;
import io.rangedb.rangestore.storage.IterOptions;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.txn.hlc.Timestamp;
import java.util.List;

/**
 * The evaluation of one command: several MVCC operations (those of {@link MvccStore}, by the same
 * rules and the same code) against the store's current state, or a snapshot of it, into one
 * {@linkplain IndexedBatch indexed batch} and one statistics delta, without touching the store.
 * Each operation sees the writes of the ones before it: a get after a put of the same key returns
 * the put's value, a second put conflicts with (or replaces) the first exactly as if the first were
 * written, an intent written and then resolved becomes a version.
 *
 * <p>An operation that throws (a conflict) leaves the batch and the delta as they were before it,
 * so the command may go on or give up. The evaluation ends with one of:
 *
 * <ul>
 *   <li>{@link #commit}: write the batch to the local store;
 *   <li>{@link #repr}: the batch's bytes, to replicate; each replica applies them with {@link
 *       MvccStore#applyRepr} and adds {@link #stats} to its statistics.
 * </ul>
 *
 * Then {@link #close} it (always: it holds native memory). Not thread-safe; the caller holds
 * latches over the command's keys from evaluation until the batch is applied.
 */
public final class MvccBatch implements AutoCloseable {
  private final MvccStore store;
  private final StoreEngine engine;
  private final IndexedBatch batch;
  private final boolean overLiveState;
  private final MvccEvaluation evaluation;
  private final MvccStats delta = new MvccStats();
  private boolean finished;

  MvccBatch(MvccStore store, EngineSnapshot base) {
    this.store = store;
    this.engine = store.engine();
    this.batch = base == null ? engine.newIndexedBatch() : engine.newIndexedBatch(base);
    this.overLiveState = base == null;
    this.evaluation = new MvccEvaluation(batch, this::load, batch);
  }

  /** See {@link MvccReads#get}; sees this batch's writes. */
  public KeyValue get(byte[] key, ReadAt read) {
    check();
    return MvccReads.get(batch, key, read);
  }

  /** See {@link MvccReads#scan}; sees this batch's writes. */
  public ScanResult scan(byte[] start, byte[] end, ReadAt read, ScanOptions options) {
    check();
    return MvccReads.scan(batch, start, end, read, options);
  }

  /** See {@link MvccStore#put(byte[], Timestamp, byte[], MvccStats)}. */
  public void put(byte[] key, Timestamp ts, byte[] value) {
    write(key, ts, null, value);
  }

  /** See {@link MvccStore#put(byte[], TxnMeta, byte[], MvccStats)}. */
  public void put(byte[] key, TxnMeta txn, byte[] value) {
    write(key, txn.writeTimestamp(), txn, value);
  }

  /** See {@link MvccStore#delete(byte[], Timestamp, MvccStats)}. */
  public void delete(byte[] key, Timestamp ts) {
    write(key, ts, null, null);
  }

  /** See {@link MvccStore#delete(byte[], TxnMeta, MvccStats)}. */
  public void delete(byte[] key, TxnMeta txn) {
    write(key, txn.writeTimestamp(), txn, null);
  }

  private void write(byte[] key, Timestamp ts, TxnMeta txn, byte[] value) {
    run(
        (ev, d) -> {
          ev.write(key, ts, txn, value, d);
          return null;
        });
  }

  /** See {@link MvccStore#deleteRange}. */
  public List<byte[]> deleteRange(byte[] start, byte[] end, Timestamp ts, TxnMeta txn) {
    return run((ev, d) -> ev.deleteRange(start, end, ts, txn, d));
  }

  /** See {@link MvccStore#resolveIntent}. */
  public boolean resolveIntent(byte[] key, TxnMeta txn, TxnStatus status) {
    return run((ev, d) -> ev.resolveIntent(key, txn, status, d));
  }

  /** See {@link MvccStore#resolveIntentRange}. */
  public int resolveIntentRange(byte[] start, byte[] end, TxnMeta txn, TxnStatus status) {
    return run((ev, d) -> ev.resolveIntentRange(start, end, txn, status, d));
  }

  /** See {@link MvccStore#gc}. */
  public int gc(byte[] start, byte[] end, Timestamp threshold) {
    return run((ev, d) -> ev.gc(start, end, threshold, d));
  }

  /** The statistics delta of the operations so far (a copy). */
  public MvccStats stats() {
    MvccStats copy = new MvccStats();
    copy.add(delta);
    return copy;
  }

  /** Whether no operation wrote anything. */
  public boolean isEmpty() {
    return batch.isEmpty();
  }

  /**
   * Writes the batch to the local store atomically ({@code sync}: fsynced before returning) and
   * adds the delta to {@code stats}. Ends the evaluation.
   */
  public void commit(boolean sync, MvccStats stats) {
    check();
    finished = true;
    if (!batch.isEmpty()) {
      engine.write(batch, sync);
    }
    stats.add(delta);
  }

  /**
   * The batch in serialized form, for replication; apply it with {@link MvccStore#applyRepr}
   * together with {@link #stats}. Ends the evaluation.
   */
  public byte[] repr() {
    check();
    finished = true;
    return batch.repr();
  }

  /** The batch's view: the store's state with this batch's writes over it (tests). */
  EngineReader reader() {
    return batch;
  }

  @Override
  public void close() {
    finished = true;
    batch.close();
  }

  private interface Operation<T> {
    T run(MvccEvaluation ev, MvccStats delta);
  }

  /** Runs one operation; a failure rolls the batch back to where it was, the delta untouched. */
  private <T> T run(Operation<T> op) {
    check();
    MvccStats d = new MvccStats();
    batch.setSavePoint();
    T result;
    try {
      result = op.run(evaluation, d);
    } catch (RuntimeException | Error e) {
      batch.rollbackToSavePoint();
      throw e;
    }
    batch.popSavePoint();
    delta.add(d);
    return result;
  }

  /**
   * Single keys: while the batch is empty and reads the live state, through the engine's kept
   * iterator, as {@link MvccStore} does (cheaper than an iterator through the batch); otherwise
   * through the batch.
   */
  private KeyRecords load(byte[] key, byte[] ik) {
    if (overLiveState && batch.isEmpty()) {
      return store.loadLatest(key, ik);
    }
    try (MvccCursor it =
        new MvccCursor(batch.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED))) {
      return KeyRecords.load(it, key, ik);
    }
  }

  private void check() {
    if (finished) {
      throw new IllegalStateException("MVCC batch already committed, serialized or closed");
    }
  }
}
