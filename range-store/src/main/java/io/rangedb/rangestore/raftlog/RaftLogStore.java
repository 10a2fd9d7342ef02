package io.rangedb.rangestore.raftlog;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.HardState;
import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LostLog;
import io.rangedb.raft.host.LogStore;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.EngineIterator;
import io.rangedb.rangestore.storage.IterOptions;
import io.rangedb.rangestore.storage.StoreEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Raft logs of all groups on one store, in one column family: the {@link
 * io.rangedb.raft.LogStorage} of each group, and the batches that make many groups' writes durable
 * with one fsync. Each group has exactly one storage object, since it caches the log's bounds.
 */
public final class RaftLogStore implements LogStore {
  /** Like CockroachDB's Raft entry cache: enough for the recent entries of many busy groups. */
  public static final long DEFAULT_ENTRY_CACHE_BYTES = 16L << 20;

  private final StoreEngine engine;
  private final EntryCache cache;
  private final ConcurrentHashMap<Long, RocksLogStorage> open = new ConcurrentHashMap<>();

  public RaftLogStore(StoreEngine engine) {
    this(engine, DEFAULT_ENTRY_CACHE_BYTES);
  }

  /**
   * @param entryCacheBytes memory for recently written entries of all groups (0: read every entry
   *     from RocksDB)
   */
  public RaftLogStore(StoreEngine engine, long entryCacheBytes) {
    this.engine = engine;
    this.cache = new EntryCache(entryCacheBytes);
  }

  EntryCache entryCache() {
    return cache;
  }

  /** A batch for any number of groups' {@code stage} calls, committed with one synced write. */
  @Override
  public RocksLogBatch newBatch() {
    return new RocksLogBatch(engine);
  }

  /** Fsyncs RocksDB's write-ahead log: every batch written before is durable when this returns. */
  @Override
  public void sync() {
    engine.syncWal();
  }

  /** The log of {@code group} as last made durable, empty if the store has never seen it. */
  @Override
  public RocksLogStorage storage(long group) {
    return open.computeIfAbsent(group, g -> RocksLogStorage.load(engine, cache, g));
  }

  /** Creates a founding member's log, starting from a snapshot of the initial membership. */
  public RocksLogStorage bootstrap(long group, ConfState conf, byte[] initialData) {
    return open.compute(
        group,
        (g, existing) -> {
          if (existing != null && (existing.lastIndex() > 0 || !existing.hardState().isEmpty())) {
            throw new IllegalStateException("group " + group + " already exists in this store");
          }
          return RocksLogStorage.bootstrap(engine, cache, g, conf, initialData);
        });
  }

  /**
   * Every group with a replica in this store, in its keys' byte order (ascending for the positive
   * ids a host gives groups; negative ids, which it refuses, would come last): what a restarting
   * host recovers. A destroyed replica's kept term, vote and lost log's end do not count, unless
   * the group was added back here since (it has a snapshot again).
   */
  public List<Long> groups() {
    List<Long> out = new ArrayList<>();
    try (EngineIterator it = engine.newIterator(ColumnFamily.RAFT_LOG, IterOptions.UNBOUNDED)) {
      it.seekToFirst();
      while (it.valid()) {
        long group = RaftLogKeys.groupOf(it.key());
        if (engine.get(ColumnFamily.RAFT_LOG, RaftLogKeys.snapshot(group)) != null
            || engine.get(ColumnFamily.RAFT_LOG, RaftLogKeys.lost(group)) == null) {
          out.add(group);
        }
        if (group == -1L) {
          break; // all ones: the last group id in byte order
        }
        it.seek(RaftLogKeys.groupStart(group + 1));
      }
    }
    return out;
  }

  /**
   * Stages the removal of {@code group}'s log (its replica left this store) into {@code batch},
   * keeping only its term and vote with commit 0, so that a replica opened here again never votes
   * twice in one term, and where its log ended ({@code LogStorage#lostLog}), so that it votes only
   * as the old replica would have. Durable with the batch; the group's storage is dropped from
   * memory once the batch is.
   */
  @Override
  public void destroy(LogBatch batch, long group) {
    RocksLogBatch b = (RocksLogBatch) batch;
    RocksLogStorage old = storage(group);
    HardState votes = old.hardState();
    LostLog tail = old.tail();
    EngineBatch eb = b.engineBatch();
    eb.deleteRange(
        ColumnFamily.RAFT_LOG, RaftLogKeys.groupStart(group), RaftLogKeys.groupEnd(group));
    if (votes.term() > 0) {
      eb.put(
          ColumnFamily.RAFT_LOG,
          RaftLogKeys.hardState(group),
          RaftLogCodec.hardState(new HardState(votes.term(), votes.vote(), 0)));
    }
    eb.put(ColumnFamily.RAFT_LOG, RaftLogKeys.lost(group), RaftLogCodec.lostLog(tail));
    b.afterCommit(
        () -> {
          // The cache first: a storage opened in between must not get the run being removed.
          cache.remove(group);
          open.remove(group, old);
        });
  }
}
