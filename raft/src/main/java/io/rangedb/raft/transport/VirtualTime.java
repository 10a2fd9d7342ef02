package io.rangedb.raft.transport;

import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * Virtual time for simulations and benchmarks: a queue of tasks ordered by (time, insertion), all
 * run on the calling thread, so that a seed replays exactly. The time unit is whatever the caller
 * decides.
 */
public final class VirtualTime implements SimulatedNetwork.Scheduler {
  private record Task(long time, long seq, Runnable run) {}

  private final PriorityQueue<Task> queue =
      new PriorityQueue<>(
          (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private long now;
  private long seq;
  private long executed;

  public long now() {
    return now;
  }

  /** Tasks run so far. */
  public long executed() {
    return executed;
  }

  @Override
  public void after(long delay, Runnable task) {
    queue.add(new Task(now + Math.max(0, delay), seq++, task));
  }

  /** Runs {@code task} every {@code period}, the first time one period from now. */
  public void every(long period, Runnable task) {
    if (period <= 0) {
      throw new IllegalArgumentException("period must be positive: " + period);
    }
    after(
        period,
        () -> {
          task.run();
          every(period, task);
        });
  }

  /** Runs every task due up to {@code until}, then sets the time to it. */
  public void runUntil(long until) {
    while (!queue.isEmpty() && queue.peek().time <= until) {
      runNext();
    }
    now = Math.max(now, until);
  }

  /**
   * Runs tasks in order until {@code done} holds (checked before each task).
   *
   * @throws IllegalStateException no task is left and {@code done} still does not hold
   */
  public void runUntil(BooleanSupplier done) {
    while (!done.getAsBoolean()) {
      if (queue.isEmpty()) {
        throw new IllegalStateException("nothing left to run at virtual time " + now);
      }
      runNext();
    }
  }

  private void runNext() {
    Task t = queue.poll();
    now = t.time;
    executed++;
    t.run.run();
  }
}
