package io.rangedb.raft.host;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.HardState;
import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LogStorage;
import io.rangedb.raft.LostLog;
import io.rangedb.raft.MemoryLogBatch;
import io.rangedb.raft.MemoryLogStorage;
import io.rangedb.raft.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.random.RandomGenerator;

/**
 * An in-memory {@link LogStore} that models a disk with one ordered write-ahead log, as the RocksDB
 * store has: what a batch {@link LogBatch#commit() commits with sync} is durable together with
 * every write before it; batches {@link LogBatch#write() written} for a later {@link #sync}, and
 * snapshot records and compactions (which the RocksDB store writes unsynced), may be lost in a
 * {@link #crash}, but only as a suffix: a crash keeps a random prefix of them, never a later one
 * without an earlier one. A written batch becomes visible only when marked durable. Counts synced
 * commits and syncs, i.e. the fsyncs a disk would do.
 */
public final class MemoryLogStore implements LogStore {
  private final Map<Long, Log> logs = new TreeMap<>();
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();

  /** Changes to the disk images that are visible but not yet synced, oldest first. */
  private final List<Consumer<LongFunction<MemoryLogStorage>>> unsynced = new ArrayList<>();

  /** A group's log as the host sees it, and as the disk holds it. */
  private final class Log implements LogStorage {
    final long group;
    MemoryLogStorage visible;
    MemoryLogStorage disk;

    /** Through where the host last said it no longer needs entries in memory (releaseThrough). */
    volatile long released;

    Log(long group, MemoryLogStorage initial) {
      this.group = group;
      this.visible = initial;
      this.disk = initial.copy();
    }

    @Override
    public HardState hardState() {
      return visible.hardState();
    }

    @Override
    public LostLog lostLog() {
      return visible.lostLog();
    }

    @Override
    public ConfState confState() {
      return visible.confState();
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
      return visible.entries(lo, hi, maxBytes);
    }

    @Override
    public long term(long index) {
      return visible.term(index);
    }

    @Override
    public long firstIndex() {
      return visible.firstIndex();
    }

    @Override
    public long lastIndex() {
      return visible.lastIndex();
    }

    @Override
    public Snapshot snapshot() {
      return visible.snapshot();
    }

    @Override
    public void stage(LogBatch batch, HardState hs, List<Entry> ents, Snapshot snap) {
      Batch b = (Batch) batch;
      visible.stage(b.visible, hs, ents, snap);
      List<Entry> copy = ents == null ? List.of() : List.copyOf(ents);
      b.disk.add(
          images -> {
            MemoryLogBatch write = MemoryLogStorage.newBatch();
            images.apply(group).stage(write, hs, copy, snap);
            write.commit();
          });
    }

    // The visible change and its place in the write order are made together: two calls racing
    // must reach the disk image in the order they changed the visible log.

    @Override
    public void createSnapshot(long index, ConfState conf, byte[] data) {
      synchronized (MemoryLogStore.this) {
        visible.createSnapshot(index, conf, data);
        Snapshot snap = visible.snapshot();
        unsynced.add(
            images -> images.apply(group).createSnapshot(snap.index(), snap.conf(), snap.data()));
      }
    }

    @Override
    public void releaseThrough(long index) {
      released = index;
    }

    @Override
    public void compact(long index) {
      synchronized (MemoryLogStore.this) {
        visible.compact(index);
        unsynced.add(images -> images.apply(group).compact(index));
      }
    }
  }

  /** Staged writes for the visible logs, and the same writes for the disk images. */
  private final class Batch implements LogBatch {
    final MemoryLogBatch visible = MemoryLogStorage.newBatch();
    final List<Consumer<LongFunction<MemoryLogStorage>>> disk = new ArrayList<>();

    /** Destroyed logs, put in place of the visible ones once the batch is durable. */
    final List<Runnable> destroys = new ArrayList<>();

    @Override
    public void commit() {
      visible.commit();
      synchronized (MemoryLogStore.this) {
        unsynced.addAll(disk);
        applyToDisk(unsynced.size());
        destroys.forEach(Runnable::run);
      }
      commits.incrementAndGet();
    }

    @Override
    public void write() {
      synchronized (MemoryLogStore.this) {
        unsynced.addAll(disk);
      }
      visible.write();
      writes.incrementAndGet();
    }

    @Override
    public void markDurable() {
      visible.markDurable();
      synchronized (MemoryLogStore.this) {
        destroys.forEach(Runnable::run);
      }
    }

    @Override
    public boolean isEmpty() {
      return visible.isEmpty() && destroys.isEmpty();
    }
  }

  @Override
  public LogBatch newBatch() {
    return new Batch();
  }

  @Override
  public synchronized void sync() {
    applyToDisk(unsynced.size());
    commits.incrementAndGet();
  }

  @Override
  public synchronized LogStorage storage(long groupId) {
    return logs.computeIfAbsent(groupId, g -> new Log(g, new MemoryLogStorage()));
  }

  @Override
  public synchronized void destroy(LogBatch batch, long groupId) {
    Batch b = (Batch) batch;
    Log old = logs.get(groupId);
    if (old == null) {
      return;
    }
    // What the log holds once every write before this one is on disk: the visible log, which the
    // host no longer changes.
    HardState votes = old.visible.hardState();
    LostLog tail = old.visible.tail();
    b.disk.add(images -> old.disk = MemoryLogStorage.destroyed(votes, tail));
    b.destroys.add(
        () -> {
          if (logs.get(groupId) == old) {
            logs.put(groupId, new Log(groupId, MemoryLogStorage.destroyed(votes, tail)));
          }
        });
  }

  /**
   * Puts {@code change} on the disk in order with the logs' writes, unsynced, as a state machine
   * that keeps its state in the same store does (the RocksDB store's column families share one
   * write-ahead log): a crash keeps it only if it keeps every write before it (a kept prefix may
   * also end just before it), and any crash that keeps a later write keeps it. {@code change}
   * updates the caller's own disk image.
   */
  public synchronized void writeBeside(Runnable change) {
    unsynced.add(images -> change.run());
  }

  /** Creates a founding member's log for {@code groupId} with the initial membership (durable). */
  public synchronized void bootstrap(long groupId, ConfState conf) {
    logs.put(groupId, new Log(groupId, MemoryLogStorage.bootstrap(conf, null)));
  }

  /** The group's log as the disk holds it: what a crash right now would keep at least. */
  public synchronized LogStorage durable(long groupId) {
    Log log = logs.get(groupId);
    return log == null ? new MemoryLogStorage() : log.disk;
  }

  /**
   * The machine crashed: every log falls back to its disk image plus a random prefix of the
   * unsynced writes (the write-ahead log may have reached the disk partly, in order). Storage
   * objects handed out before are stale; a restarted host asks {@link #storage} again.
   */
  public synchronized void crash(RandomGenerator rng) {
    applyToDisk(rng.nextInt(unsynced.size() + 1));
    unsynced.clear();
    for (Log log : logs.values()) {
      log.visible = log.disk.copy();
    }
  }

  /** Unsynced writes that a crash now could lose. */
  public synchronized int unsyncedWrites() {
    return unsynced.size();
  }

  private void applyToDisk(int count) {
    // Looked up per write, not copied for all groups per sync: a host with thousands of groups
    // syncs hundreds of times a second.
    LongFunction<MemoryLogStorage> images = g -> logs.get(g).disk;
    for (int i = 0; i < count; i++) {
      unsynced.get(i).accept(images);
    }
    unsynced.subList(0, count).clear();
  }

  /**
   * Through which index the host last released the group's entries ({@link
   * LogStorage#releaseThrough}); 0 if it never did.
   */
  public synchronized long releasedThrough(long groupId) {
    Log log = logs.get(groupId);
    return log == null ? 0 : log.released;
  }

  /** Batches written for a later sync ({@link LogBatch#write()}) so far. */
  public long writes() {
    return writes.get();
  }

  /** Synced batch commits and syncs so far: the fsyncs a disk would have done. */
  public long commits() {
    return commits.get();
  }
}
