package io.rangedb.rangestore.raftcluster;

import io.rangedb.raft.host.CommitTrace;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The benchmark's commit-path breakdown: stamps each stage of the entries of every {@code every}th
 * group on every node, and for each entry applied on its leader follows the follower whose
 * acknowledgement reached the leader first. Hosts of one JVM share one instance. Off until {@link
 * #start}. An acknowledgement covering several entries is stamped on its last entry only, so where
 * appends carry many entries (one busy group) the table follows the last entry of each.
 */
final class CommitPathTrace implements CommitTrace {
  private static final int NODES = 8;

  private final int every;
  private volatile boolean on;
  private final ConcurrentHashMap<Long, long[]> stamps = new ConcurrentHashMap<>();

  CommitPathTrace(int every) {
    this.every = every;
  }

  /** Forgets what was stamped and starts stamping. */
  void start() {
    stamps.clear();
    on = true;
  }

  void stop() {
    on = false;
  }

  @Override
  public void at(long groupId, long index, Stage stage, long node, long peer) {
    if (!on || groupId % every != 0 || node >= NODES || peer >= NODES) {
      return;
    }
    long[] t =
        stamps.computeIfAbsent(
            groupId * 1_000_000_000L + index, k -> new long[Stage.values().length * NODES + 1]);
    int slot = stage.ordinal() * NODES + (int) (stage == Stage.ACKNOWLEDGED ? peer : node);
    long now = System.nanoTime();
    synchronized (t) {
      if (t[slot] == 0) {
        t[slot] = now;
      }
      if (stage == Stage.PROPOSED) {
        t[t.length - 1] = node; // the leader
      }
    }
  }

  private static final String[] HOPS = {
    "the leader's loop steps the proposal → writes it",
    "written → durable on the leader",
    "stepped on the leader → received by the follower",
    "received → stepped by the follower's loop",
    "stepped → written by the follower",
    "written → durable on the follower",
    "durable on the follower → its acknowledgement stepped by the leader",
    "acknowledged and durable on the leader → applied there",
    "stepped on the leader → applied there",
  };

  /** The hops' p50 and mean in µs, one Markdown table row each, over the entries stamped. */
  String report() {
    List<List<Long>> hops = new ArrayList<>();
    for (int i = 0; i < HOPS.length; i++) {
      hops.add(new ArrayList<>());
    }
    for (long[] t : stamps.values()) {
      synchronized (t) {
        addHops(t, hops);
      }
    }
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "| hop (%d entries) | p50 µs | mean µs |%n|---|---:|---:|%n",
            hops.get(0).size()));
    for (int i = 0; i < HOPS.length; i++) {
      List<Long> l = hops.get(i);
      if (l.isEmpty()) {
        continue;
      }
      Collections.sort(l);
      double mean = l.stream().mapToLong(x -> x).average().orElse(0);
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %.0f | %.0f |%n",
              HOPS[i],
              l.get(l.size() / 2) / 1e3,
              mean / 1e3));
    }
    return out.toString();
  }

  private static void addHops(long[] t, List<List<Long>> hops) {
    int leader = (int) t[t.length - 1];
    long proposed = at(t, Stage.PROPOSED, leader);
    long applied = at(t, Stage.APPLIED, leader);
    if (leader == 0 || proposed == 0 || applied == 0) {
      return;
    }
    int follower = 0;
    for (int n = 1; n < NODES; n++) {
      long ack = at(t, Stage.ACKNOWLEDGED, n);
      if (n != leader && ack != 0 && (follower == 0 || ack < at(t, Stage.ACKNOWLEDGED, follower))) {
        follower = n;
      }
    }
    long[] path = {
      proposed,
      at(t, Stage.WRITTEN, leader),
      at(t, Stage.DURABLE, leader),
      follower == 0 ? 0 : at(t, Stage.RECEIVED, follower),
      follower == 0 ? 0 : at(t, Stage.STEPPED, follower),
      follower == 0 ? 0 : at(t, Stage.WRITTEN, follower),
      follower == 0 ? 0 : at(t, Stage.DURABLE, follower),
      follower == 0 ? 0 : at(t, Stage.ACKNOWLEDGED, follower),
    };
    for (long stamp : path) {
      if (stamp == 0) {
        return; // a stage not seen while stamping (the trace started or stopped in between)
      }
    }
    hops.get(0).add(path[1] - path[0]);
    hops.get(1).add(path[2] - path[1]);
    hops.get(2).add(path[3] - path[0]);
    hops.get(3).add(path[4] - path[3]);
    hops.get(4).add(path[5] - path[4]);
    hops.get(5).add(path[6] - path[5]);
    hops.get(6).add(path[7] - path[6]);
    hops.get(7).add(applied - Math.max(path[7], path[2]));
    hops.get(8).add(applied - proposed);
  }

  private static long at(long[] t, Stage stage, int node) {
    return t[stage.ordinal() * NODES + node];
  }
}
