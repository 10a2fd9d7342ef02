package io.rangedb.rangestore.raftnet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Bounds the snapshot calls a node runs at once; the others wait their turn in order of arrival and
 * start as running ones end. Closing stops all of them, running or waiting. Calls start and stop
 * outside this object's lock, since a sender's own callbacks (holding its lock) come back here when
 * it ends.
 */
final class SnapshotSends {
  private final int max;
  private final Set<SnapshotSender> running = new HashSet<>();
  private final ArrayDeque<SnapshotSender> waiting = new ArrayDeque<>();
  private boolean closed;

  SnapshotSends(int max) {
    if (max <= 0) {
      throw new IllegalArgumentException("max must be positive");
    }
    this.max = max;
  }

  /** Starts the call now if fewer than the limit run, else queues it; stops it if closed. */
  void submit(SnapshotSender sender) {
    boolean start;
    boolean stop;
    synchronized (this) {
      stop = closed;
      start = !closed && running.size() < max;
      if (start) {
        running.add(sender);
      } else if (!closed) {
        waiting.add(sender);
      }
    }
    if (stop) {
      sender.stop();
    } else if (start) {
      sender.start();
    }
  }

  /** A call ended (or was stopped before it began): the next waiting one, if any, starts. */
  void ended(SnapshotSender sender) {
    SnapshotSender next = null;
    synchronized (this) {
      if (!running.remove(sender)) {
        waiting.remove(sender);
        return;
      }
      if (!closed && !waiting.isEmpty()) {
        next = waiting.poll();
        running.add(next);
      }
    }
    if (next != null) {
      next.start();
    }
  }

  /** Stops every call, running or waiting; later ones are stopped as they are submitted. */
  void close() {
    List<SnapshotSender> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(running);
      all.addAll(waiting);
      waiting.clear();
    }
    for (SnapshotSender s : all) {
      s.stop();
    }
  }

  synchronized int running() {
    return running.size();
  }

  synchronized int waiting() {
    return waiting.size();
  }
}
