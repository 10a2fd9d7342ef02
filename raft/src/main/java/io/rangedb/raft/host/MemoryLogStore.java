package io.rangedb.raft.host;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LogStorage;
import io.rangedb.raft.MemoryLogBatch;
import io.rangedb.raft.MemoryLogStorage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** An in-memory {@link LogStore}; counts batch commits, i.e. the fsyncs a disk would do. */
public final class MemoryLogStore implements LogStore {
  private final ConcurrentHashMap<Long, MemoryLogStorage> logs = new ConcurrentHashMap<>();
  private final AtomicLong commits = new AtomicLong();

  @Override
  public LogBatch newBatch() {
    return new MemoryLogBatch(commits::incrementAndGet);
  }

  @Override
  public LogStorage storage(long groupId) {
    return logs.computeIfAbsent(groupId, g -> new MemoryLogStorage());
  }

  /** Creates a founding member's log for {@code groupId} with the initial membership. */
  public void bootstrap(long groupId, ConfState conf) {
    logs.put(groupId, MemoryLogStorage.bootstrap(conf, null));
  }

  /** Batch commits so far: one per host cycle that had something to persist. */
  public long commits() {
    return commits.get();
  }
}
