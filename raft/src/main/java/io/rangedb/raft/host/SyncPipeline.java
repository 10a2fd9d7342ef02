package io.rangedb.raft.host;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Log writes that wait for an fsync, and the one fsync at a time that makes them durable. The host
 * writes a cycle's batch and goes on with its next cycle while the disk syncs on the syncer; the
 * writes of the cycles in between wait, so the next sync covers them all (group commit across
 * cycles). Not thread-safe: the host calls it on its loop only, and the sync's completion comes
 * back through {@code toLoop}.
 *
 * @param <T> what the host must finish once a write is durable
 */
final class SyncPipeline<T> {
  private record Waiting<T>(long seq, T item) {}

  private final LogStore store;
  private final Executor syncer;
  private final Consumer<Runnable> toLoop;
  private final Consumer<T> onDurable;
  private final ArrayDeque<Waiting<T>> waiting = new ArrayDeque<>();
  private long written;
  private boolean syncing;
  private long syncs;

  /**
   * @param syncer where {@link LogStore#sync} runs; may be the loop's own thread ({@code
   *     Runnable::run}), which makes every write wait for its sync before the loop goes on
   * @param toLoop queues a task for the loop
   * @param onDurable called on the loop for each write's item once it is durable, in write order
   */
  SyncPipeline(LogStore store, Executor syncer, Consumer<Runnable> toLoop, Consumer<T> onDurable) {
    this.store = store;
    this.syncer = syncer;
    this.toLoop = toLoop;
    this.onDurable = onDurable;
  }

  /** Records that a write carrying {@code item} was just made, and starts a sync if none runs. */
  void written(T item) {
    waiting.add(new Waiting<>(++written, item));
    startSync();
  }

  /** Whether a write still waits for its fsync. */
  boolean busy() {
    return !waiting.isEmpty();
  }

  /** Fsyncs started so far. */
  long syncs() {
    return syncs;
  }

  /** Forgets every waiting write (the host stopped; they will never be acknowledged). */
  void abandon() {
    waiting.clear();
  }

  private void startSync() {
    if (syncing || waiting.isEmpty()) {
      return;
    }
    syncing = true;
    syncs++;
    long upTo = written; // every write so far returned before the sync below begins
    syncer.execute(
        () -> {
          Runnable next;
          try {
            store.sync();
            next = () -> synced(upTo);
          } catch (RuntimeException | Error e) {
            next =
                () -> {
                  throw e; // the loop stops the host: nothing may be acknowledged any more
                };
          }
          try {
            toLoop.accept(next);
          } catch (RejectedExecutionException shutDown) {
            // The host's loop was shut down while the disk synced: nobody waits for this.
          }
        });
  }

  private void synced(long upTo) {
    syncing = false;
    while (!waiting.isEmpty() && waiting.peek().seq() <= upTo) {
      onDurable.accept(waiting.poll().item());
    }
    startSync();
  }
}
