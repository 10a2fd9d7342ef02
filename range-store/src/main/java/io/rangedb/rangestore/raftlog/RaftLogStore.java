package io.rangedb.rangestore.raftlog;

import io.rangedb.raft.ConfState;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.EngineIterator;
import io.rangedb.rangestore.storage.IterOptions;
import io.rangedb.rangestore.storage.StoreEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * The Raft logs of all groups on one store, in one column family: the {@link
 * io.rangedb.raft.LogStorage} of each group, and the batches that make many groups' writes durable
 * with one fsync.
 */
public final class RaftLogStore {
  private final StoreEngine engine;

  public RaftLogStore(StoreEngine engine) {
    this.engine = engine;
  }

  /** A batch for any number of groups' {@code stage} calls, committed with one synced write. */
  public RocksLogBatch newBatch() {
    return new RocksLogBatch(engine);
  }

  /** The log of {@code group} as last made durable, empty if the store has never seen it. */
  public RocksLogStorage open(long group) {
    return RocksLogStorage.load(engine, group);
  }

  /** Creates a founding member's log, starting from a snapshot of the initial membership. */
  public RocksLogStorage bootstrap(long group, ConfState conf, byte[] initialData) {
    return RocksLogStorage.bootstrap(engine, group, conf, initialData);
  }

  /** Every group with a log in this store, ascending: what a restarting host recovers. */
  public List<Long> groups() {
    List<Long> out = new ArrayList<>();
    try (EngineIterator it = engine.newIterator(ColumnFamily.RAFT_LOG, IterOptions.UNBOUNDED)) {
      it.seekToFirst();
      while (it.valid()) {
        long group = RaftLogKeys.groupOf(it.key());
        out.add(group);
        if (group == Long.MAX_VALUE) {
          break;
        }
        it.seek(RaftLogKeys.groupStart(group + 1));
      }
    }
    return out;
  }

  /** Removes every trace of {@code group} (its replica left this store). Synced. */
  public void destroy(long group) {
    try (EngineBatch eb = engine.newBatch()) {
      eb.deleteRange(
          ColumnFamily.RAFT_LOG, RaftLogKeys.groupStart(group), RaftLogKeys.groupEnd(group));
      engine.write(eb, true);
    }
  }
}
