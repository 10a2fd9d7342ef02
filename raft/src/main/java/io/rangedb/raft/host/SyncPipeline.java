package io.rangedb.raft.host;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Log writes that wait for an fsync, and the syncer that makes them durable. The host writes each
 * cycle's batch at once, whether or not a sync is running, and goes on; the syncer runs one sync at
 * a time, back to back for as long as writes wait: each sync covers every write made before it
 * began, so the writes made during one sync share the next (group commit across cycles). The syncer
 * executor should be the host's own (one thread): syncs queue behind anything else on it.
 *
 * <p>The syncer starts its next sync itself, without waiting for the loop to take the last one's
 * completion: under load the loop is often busy, and a hand-off back to it between two syncs left
 * the disk idle for as long as the sync took (docs/benchmarks.md, "A syncer that does not wait for
 * the loop").
 *
 * <p>What only waits for durability, the votes and acknowledgements a write promises, is done on
 * the syncer right after the sync ({@code onSynced}), not after a hand-off to the loop: under load
 * the loop is mid-cycle when a sync ends, and the acknowledgements waited for that cycle to end
 * before they left (docs/benchmarks.md, "Acknowledgements sent by the syncer").
 *
 * <p>{@link #written}, {@link #abandon} and the completions run on the host's loop; the sync and
 * {@code onSynced} run on the syncer, which hands the completion back through {@code toLoop}.
 *
 * @param <T> what the host must finish once a write is durable
 */
final class SyncPipeline<T> {
  private record Waiting<T>(long seq, T item) {}

  private final LogStore store;
  private final Executor syncer;
  private final Consumer<Runnable> toLoop;
  private final Consumer<T> onDurable;
  private final Consumer<T> onSynced;

  // Loop-confined.
  private final ArrayDeque<Waiting<T>> waiting = new ArrayDeque<>();
  private long written;

  /** The same writes as {@link #waiting}, for the syncer's {@code onSynced}. */
  private final ConcurrentLinkedQueue<Waiting<T>> unsynced = new ConcurrentLinkedQueue<>();

  /** The last write the loop made: the syncer covers up to it. */
  private final AtomicLong published = new AtomicLong();

  /** Whether a sync is running or queued; only the task that holds it syncs. */
  private final AtomicBoolean syncing = new AtomicBoolean();

  private final AtomicLong syncs = new AtomicLong();

  /**
   * @param syncer where {@link LogStore#sync} runs; may be the loop's own thread ({@code
   *     Runnable::run}), which makes every write wait for its sync before the loop goes on
   * @param toLoop queues a task for the loop
   * @param onSynced called on the syncer for each write's item as soon as a sync made it durable,
   *     in write order, before its {@code onDurable}; it must be thread-safe towards the loop. If
   *     it throws, the exception is rethrown on the loop (stopping the host) and nothing more is
   *     synced
   * @param onDurable called on the loop for each write's item once it is durable, in write order
   */
  SyncPipeline(
      LogStore store,
      Executor syncer,
      Consumer<Runnable> toLoop,
      Consumer<T> onSynced,
      Consumer<T> onDurable) {
    this.store = store;
    this.syncer = syncer;
    this.toLoop = toLoop;
    this.onSynced = onSynced;
    this.onDurable = onDurable;
  }

  /**
   * Records that a write carrying {@code item} has just returned, and wakes the syncer if it is
   * idle (a running one sees the write when its current sync ends).
   */
  void written(T item) {
    Waiting<T> w = new Waiting<>(++written, item);
    waiting.add(w);
    // Queued for the syncer before it may sync up to it: a syncer that read the new published
    // value must find the item, or its acknowledgements would wait for the next sync.
    unsynced.add(w);
    published.set(written);
    if (syncing.compareAndSet(false, true)) {
      syncer.execute(this::syncPublished);
    }
  }

  /** Fsyncs started so far. */
  long syncs() {
    return syncs.get();
  }

  /** Forgets every waiting write (the host stopped; they will never be acknowledged). */
  void abandon() {
    waiting.clear();
    unsynced.clear();
  }

  /**
   * The syncer's task: one sync covering every write published so far, its completion handed to the
   * loop, and the next sync queued at once if writes arrived meanwhile. Each sync is its own task,
   * so a syncer executor shared with other work is not held for as long as writes come.
   */
  private void syncPublished() {
    long upTo = published.get(); // every write up to it returned before the sync below begins
    syncs.incrementAndGet();
    try {
      store.sync();
    } catch (RuntimeException | Error e) {
      // The flag stays set: no sync starts again, and the loop stops the host, since nothing may
      // be acknowledged once a sync failed.
      handBack(
          () -> {
            throw e;
          });
      return;
    }
    try {
      synced(upTo);
    } catch (RuntimeException | Error e) {
      // As for a failed sync: the loop stops the host, and no sync starts again.
      handBack(
          () -> {
            throw e;
          });
      return;
    }
    if (!handBack(() -> durable(upTo))) {
      return;
    }
    if (published.get() == upTo) {
      syncing.set(false);
      // A write published after the read above, but before the flag was cleared, found a sync
      // running and did not queue one: look again, and queue it unless the loop just did.
      if (published.get() == upTo || !syncing.compareAndSet(false, true)) {
        return;
      }
    }
    startSyncer();
  }

  private void startSyncer() {
    try {
      syncer.execute(this::syncPublished);
    } catch (RejectedExecutionException shutDown) {
      // The syncer was shut down with the host: nobody waits for these writes any more.
    }
  }

  /** Queues {@code r} for the loop; false if the loop was shut down, so nobody waits any more. */
  private boolean handBack(Runnable r) {
    try {
      toLoop.accept(r);
      return true;
    } catch (RejectedExecutionException shutDown) {
      return false;
    }
  }

  private void synced(long upTo) {
    Waiting<T> w;
    while ((w = unsynced.peek()) != null && w.seq() <= upTo) {
      unsynced.poll();
      onSynced.accept(w.item());
    }
  }

  private void durable(long upTo) {
    while (!waiting.isEmpty() && waiting.peek().seq() <= upTo) {
      onDurable.accept(waiting.poll().item());
    }
  }
}
