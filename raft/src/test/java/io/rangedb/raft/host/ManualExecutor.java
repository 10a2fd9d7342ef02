package io.rangedb.raft.host;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/** A host's loop stepped by its test: tasks wait in order until {@link #runAll()}. */
final class ManualExecutor implements Executor {
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();

  @Override
  public void execute(Runnable task) {
    queue.add(task);
  }

  /** Runs what waits, and what running it queues, until nothing does. */
  void runAll() {
    Runnable r;
    while ((r = queue.poll()) != null) {
      r.run();
    }
  }

  int waiting() {
    return queue.size();
  }
}
