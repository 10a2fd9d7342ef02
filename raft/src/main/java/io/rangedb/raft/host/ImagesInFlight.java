package io.rangedb.raft.host;

import java.util.HashMap;
import java.util.Map;

/**
 * The images a host took for snapshot sends whose outcome the transport has not reported yet, by
 * group and destination node, up to a limit ({@link RaftHost.Options#maxImagesInFlight()}). A
 * report for a send this object did not count (an in-memory image, or a send of an earlier
 * incarnation of the host) changes nothing. Loop-confined.
 */
final class ImagesInFlight {
  private record Send(long group, long node) {}

  private final int max;
  private final Map<Send, Integer> sends = new HashMap<>();
  private int total;

  ImagesInFlight(int max) {
    this.max = max;
  }

  /**
   * Counts a send of {@code group}'s image to {@code node}; false, counting nothing, at the limit.
   */
  boolean tryStart(long group, long node) {
    if (total >= max) {
      return false;
    }
    sends.merge(new Send(group, node), 1, Integer::sum);
    total++;
    return true;
  }

  /** The transport reported the outcome of a send of {@code group}'s image to {@code node}. */
  void ended(long group, long node) {
    Send s = new Send(group, node);
    Integer n = sends.get(s);
    if (n == null) {
      return;
    }
    if (n == 1) {
      sends.remove(s);
    } else {
      sends.put(s, n - 1);
    }
    total--;
  }

  int inFlight() {
    return total;
  }
}
