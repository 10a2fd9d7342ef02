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
 * <p>Snapshots are chunked and streamed in order, each chunk read from the sender's image and
 * written into the receiver's sink when its turn comes; losing any chunk (or a partition, or either
 * node going down during the stream) fails the whole stream, and the sender is told either way, as
 * a real stream would.
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

  /** How many times each node went down: a stream breaks if either end did while it ran. */
  private final Map<Long, Integer> downs = new HashMap<>();

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
      downs.merge(node, 1, Integer::sum);
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
    public void sendSnapshot(long toNode, Envelope snap, ImageSource image) {
      SnapshotChunker.Outgoing out =
          new SnapshotChunker.Outgoing(snap, image, conditions.snapshotChunkBytes);
      scheduler.after(delay(), new SnapshotStream(self, toNode, out)::nextChunk);
    }
  }

  /** One snapshot stream: a chunk at a time, each read and written when it is delivered. */
  private final class SnapshotStream {
    private final long from;
    private final long to;
    private final SnapshotChunker.Outgoing out;
    private final int fromDowns;
    private final int toDowns;
    private SnapshotChunker.Incoming in;

    SnapshotStream(long from, long to, SnapshotChunker.Outgoing out) {
      this.from = from;
      this.to = to;
      this.out = out;
      this.fromDowns = downs.getOrDefault(from, 0);
      this.toDowns = downs.getOrDefault(to, 0);
    }

    void nextChunk() {
      boolean lost = rng.nextDouble() < conditions.lossRate;
      Transport.Receiver r = receivers.get(to);
      if (lost
          || r == null
          || !canTalk(from, to)
          || downs.getOrDefault(from, 0) != fromDowns
          || downs.getOrDefault(to, 0) != toDowns) {
        out.close();
        if (in != null) {
          in.abort();
        }
        reportSnapshot(from, to, out.groupId(), false);
        return;
      }
      if (in == null) {
        in = new SnapshotChunker.Incoming(r, from);
      }
      boolean last;
      try {
        last = in.add(out.next());
      } catch (RuntimeException refused) { // the receiver refused the stream, as gRPC reports it
        out.close();
        in.abort();
        reportSnapshot(from, to, out.groupId(), false);
        return;
      }
      if (last) {
        snapshotsDelivered++;
        delivered++;
        reportSnapshot(from, to, out.groupId(), true);
      } else {
        scheduler.after(rng.nextInt(2), this::nextChunk); // in order: a stream never reorders
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
