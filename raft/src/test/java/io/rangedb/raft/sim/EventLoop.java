package io.rangedb.raft.sim;

import io.rangedb.raft.transport.SimulatedNetwork;
import java.util.PriorityQueue;

/** Virtual time: a queue of tasks ordered by (time, insertion), so a seed replays exactly. */
public final class EventLoop implements SimulatedNetwork.Scheduler {
  public EventLoop() {}

  private record Event(long time, long seq, Runnable task) {}

  private final PriorityQueue<Event> queue =
      new PriorityQueue<>(
          (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private long now;
  private long seq;
  private long executed;

  public long now() {
    return now;
  }

  long executed() {
    return executed;
  }

  @Override
  public void after(long delay, Runnable task) {
    queue.add(new Event(now + Math.max(0, delay), seq++, task));
  }

  /** Runs every task due up to {@code until}. */
  public void runUntil(long until) {
    while (!queue.isEmpty() && queue.peek().time <= until) {
      Event e = queue.poll();
      now = e.time;
      executed++;
      e.task.run();
    }
    now = until;
  }
}
