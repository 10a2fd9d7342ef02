package io.rangedb.rangestore.raftcluster;

import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LogStorage;
import io.rangedb.raft.host.LogStore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A host's log store that times its fsyncs, so that a benchmark can tell a slow run's disk from its
 * Raft path: this VM's disk stalls every fsync of every store for 10-20 ms now and then
 * (docs/benchmarks.md, "The disk stalls the loaded case's fsyncs").
 */
final class TimedLogStore implements LogStore {
  private final LogStore delegate;
  private final AtomicReference<Latencies> syncs = new AtomicReference<>(new Latencies());

  TimedLogStore(LogStore delegate) {
    this.delegate = delegate;
  }

  /** The fsyncs timed since the last call, which starts a new record. */
  Latencies takeSyncs() {
    return syncs.getAndSet(new Latencies());
  }

  @Override
  public void sync() {
    long start = System.nanoTime();
    delegate.sync();
    syncs.get().record(System.nanoTime() - start);
  }

  @Override
  public LogBatch newBatch() {
    return delegate.newBatch();
  }

  @Override
  public LogStorage storage(long groupId) {
    return delegate.storage(groupId);
  }

  @Override
  public void destroy(LogBatch batch, long groupId) {
    delegate.destroy(batch, groupId);
  }
}
