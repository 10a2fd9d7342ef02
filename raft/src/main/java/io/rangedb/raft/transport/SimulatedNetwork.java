package io.rangedb.raft.transport;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * An in-memory network for deterministic simulations. Each message independently may be lost,
 * delayed by a random time (so messages reorder) and duplicated; nodes can be down, and partitions
 * split nodes into sides that cannot talk. Time is whatever the injected {@link Scheduler} says:
 * nothing here reads a clock or starts a thread, so a seed replays exactly.
 *
 * <p>Snapshots are chunked and streamed in order; losing any chunk (or a partition or crash during
 * the stream) fails the whole stream, and the sender is told either way, as a real stream would.
 */
public final class SimulatedNetwork {

  /** Runs a task after a delay of virtual time. */
  public interface Scheduler {
    void after(long delay, Runnable task);
  }

  /** Fault settings; they may be changed while running. */
  public static final class Conditions {
    public double lossRate;
    public double duplicateRate;
    public long minDelay = 1;
    public long maxDelay = 10;
    public int snapshotChunkBytes = 256;
  }

  public final Conditions conditions = new Conditions();
  private final RandomGenerator rng;
  private final Scheduler scheduler;
  private final Map<Long, Transport.Receiver> receivers = new HashMap<>();
  private final Set<Long> down = new HashSet<>();
  private final Map<Long, Integer> side = new HashMap<>();
  private long sent;
  private long delivered;
  private long snapshotsDelivered;

  public SimulatedNetwork(RandomGenerator rng, Scheduler scheduler) {
    this.rng = rng;
    this.scheduler = scheduler;
  }

  /** Attaches a node; returns the transport that node sends through. */
  public Transport attach(long node, Transport.Receiver receiver) {
    receivers.put(node, receiver);
    return new Endpoint(node);
  }

  public void setDown(long node, boolean isDown) {
    if (isDown) {
      down.add(node);
    } else {
      down.remove(node);
    }
  }

  /** Puts {@code nodes} on their own side of a partition (side ids > 0). */
  public void partition(Set<Long> nodes, int sideId) {
    for (Long n : nodes) {
      side.put(n, sideId);
    }
  }

  public void heal() {
    side.clear();
  }

  public boolean canTalk(long a, long b) {
    return !down.contains(a)
        && !down.contains(b)
        && side.getOrDefault(a, 0).equals(side.getOrDefault(b, 0));
  }

  public long sent() {
    return sent;
  }

  public long delivered() {
    return delivered;
  }

  public long snapshotsDelivered() {
    return snapshotsDelivered;
  }

  private long delay() {
    return conditions.minDelay + rng.nextLong(conditions.maxDelay - conditions.minDelay + 1);
  }

  private final class Endpoint implements Transport {
    private final long self;

    Endpoint(long self) {
      this.self = self;
    }

    @Override
    public void send(long toNode, List<Envelope> batch) {
      for (Envelope e : batch) {
        sent++;
        if (!canTalk(self, toNode) || rng.nextDouble() < conditions.lossRate) {
          continue;
        }
        int copies = rng.nextDouble() < conditions.duplicateRate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
          scheduler.after(delay(), () -> deliver(self, toNode, e));
        }
      }
    }

    @Override
    public void sendSnapshot(long toNode, Envelope snap) {
      List<SnapshotChunk> chunks = SnapshotChunker.split(snap, conditions.snapshotChunkBytes);
      SnapshotChunker.Assembler assembler = new SnapshotChunker.Assembler();
      long at = delay();
      for (SnapshotChunk c : chunks) {
        at += rng.nextInt(2); // in order, pipelined: a stream never reorders its chunks
        boolean lost = rng.nextDouble() < conditions.lossRate;
        scheduler.after(at, () -> streamChunk(self, toNode, c, assembler, lost));
      }
    }
  }

  private void deliver(long from, long to, Envelope e) {
    Transport.Receiver r = receivers.get(to);
    if (r == null || !canTalk(from, to)) {
      return;
    }
    delivered++;
    r.receive(from, List.of(e));
  }

  private void streamChunk(
      long from, long to, SnapshotChunk c, SnapshotChunker.Assembler assembler, boolean lost) {
    if (assembler == null) {
      return;
    }
    if (failed.contains(assembler)) {
      return; // the stream already broke
    }
    if (lost || !canTalk(from, to) || receivers.get(to) == null) {
      failed.add(assembler);
      reportSnapshot(from, to, c.groupId(), false);
      return;
    }
    Envelope whole = assembler.add(c);
    if (whole != null) {
      snapshotsDelivered++;
      delivered++;
      receivers.get(to).receive(from, List.of(whole));
      reportSnapshot(from, to, c.groupId(), true);
    }
  }

  private final Set<SnapshotChunker.Assembler> failed = new HashSet<>();

  private void reportSnapshot(long from, long to, long groupId, boolean ok) {
    scheduler.after(
        delay(),
        () -> {
          Transport.Receiver sender = receivers.get(from);
          if (sender != null && !down.contains(from)) {
            sender.snapshotStatus(groupId, to, ok);
          }
        });
  }
}
