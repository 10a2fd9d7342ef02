package io.rangedb.raft.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Checks a register history for linearizability by verifying a witness order, which is sound: if
 * the check passes, the history is linearizable.
 *
 * <p>The witness is the Raft log: each write that took effect sits at its log index, and each
 * successful read sits just after the applied index it was served at (reads at the same index in
 * any order). The check verifies the two conditions of linearizability for that order: it extends
 * real-time order (an operation that completed before another was invoked comes earlier), and every
 * read returns the value of the latest write to its key before it. Writes acknowledged to a client
 * must be in the log; writes of unknown outcome are placed where the log has them, or left out if
 * it does not. A buggy system (a stale read, a lost acknowledged write, a wrongly restored
 * snapshot) fails one of these conditions.
 */
public final class LinearizabilityChecker {
  private LinearizabilityChecker() {}

  /**
   * @param ops the history
   * @param writeIndex log index of each write that took effect, by op id
   * @return null if linearizable, else a description of the violation
   */
  public static String check(List<Op> ops, Map<Long, Long> writeIndex) {
    record Placed(Op op, double position) {}
    List<Placed> placed = new ArrayList<>();
    for (Op op : ops) {
      if (op.kind == Op.Kind.WRITE) {
        Long idx = writeIndex.get(op.id);
        if (idx == null) {
          if (op.status == Op.Status.OK) {
            return "acknowledged write lost: " + op;
          }
          continue;
        }
        if (op.status == Op.Status.FAILED) {
          return "write reported as refused took effect: " + op;
        }
        placed.add(new Placed(op, idx));
      } else if (op.status == Op.Status.OK) {
        placed.add(new Placed(op, op.readPosition + 0.5));
      }
    }
    // Values: walk the witness order, tracking each key's latest write.
    List<Placed> byPosition = new ArrayList<>(placed);
    byPosition.sort(Comparator.comparingDouble(Placed::position));
    Map<String, String> state = new HashMap<>();
    for (Placed p : byPosition) {
      Op op = p.op();
      if (op.kind == Op.Kind.WRITE) {
        state.put(op.key, op.value);
      } else if (!java.util.Objects.equals(state.get(op.key), op.readValue)) {
        return "read returned "
            + op.readValue
            + " but the log order says "
            + state.get(op.key)
            + ": "
            + op;
      }
    }
    // Real time: sweep by invocation; every op completed before an invocation must be placed no
    // later than the invoked op (equal only for two reads at the same index).
    List<Placed> byInvoke = new ArrayList<>(placed);
    byInvoke.sort(Comparator.comparingLong(p -> p.op().invokedAt));
    PriorityQueue<Placed> byCompletion =
        new PriorityQueue<>(Comparator.comparingLong(p -> p.op().completedAt));
    byCompletion.addAll(placed);
    Placed latestDone = null;
    for (Placed b : byInvoke) {
      while (!byCompletion.isEmpty() && byCompletion.peek().op().completedAt < b.op().invokedAt) {
        Placed done = byCompletion.poll();
        if (latestDone == null || done.position() > latestDone.position()) {
          latestDone = done;
        }
      }
      if (latestDone != null && latestDone.position() > b.position()) {
        return "real-time order violated: "
            + latestDone.op()
            + " completed before "
            + b.op()
            + " was invoked, but is ordered after it";
      }
    }
    return null;
  }
}
