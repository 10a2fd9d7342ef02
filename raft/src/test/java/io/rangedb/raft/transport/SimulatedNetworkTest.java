package io.rangedb.raft.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.Snapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The simulations' network does the faults they count on: delay, reorder, loss, duplication. */
class SimulatedNetworkTest {
  private final VirtualTime time = new VirtualTime();
  private final SimulatedNetwork network = new SimulatedNetwork(new SplittableRandom(11), time);
  private final Inbox inbox = new Inbox();
  private final Inbox senderInbox = new Inbox();
  private final Transport one = network.attach(1, senderInbox);

  SimulatedNetworkTest() {
    network.attach(2, inbox); // node 2 only receives
  }

  /** What a node received: each message's index with its arrival time, and snapshot outcomes. */
  private final class Inbox implements Transport.Receiver {
    final List<Long> indexes = new ArrayList<>();
    final List<Long> arrivals = new ArrayList<>();
    final List<Envelope> snapshots = new ArrayList<>();
    final List<Boolean> snapshotOutcomes = new ArrayList<>();

    @Override
    public void receive(long fromNode, List<Envelope> batch) {
      for (Envelope e : batch) {
        if (e.message().type() == MessageType.SNAP) {
          snapshots.add(e);
        } else {
          indexes.add(e.message().index());
          arrivals.add(time.now());
        }
      }
    }

    @Override
    public ImageSink snapshotSink(long fromNode, Envelope header) {
      return AssemblingSink.ofMessage(header, whole -> receive(fromNode, List.of(whole)));
    }

    @Override
    public void snapshotStatus(long groupId, long toNode, boolean delivered) {
      snapshotOutcomes.add(delivered);
    }
  }

  private static List<Envelope> appends(long from, long count) {
    return LongStream.rangeClosed(from, from + count - 1)
        .mapToObj(
            i -> new Envelope(7, Message.builder(MessageType.APP).from(1).to(2).index(i).build()))
        .toList();
  }

  @Test
  void everyMessageArrivesWithinTheDelayBoundsAndOrderIsNotKept() {
    network.conditions.minDelay = 3;
    network.conditions.maxDelay = 9;
    one.send(2, appends(1, 200));
    time.runUntil(100);
    assertEquals(200, inbox.indexes.size());
    assertTrue(
        inbox.arrivals.stream().allMatch(t -> t >= 3 && t <= 9), "arrivals " + inbox.arrivals);
    assertEquals(
        LongStream.rangeClosed(1, 200).boxed().toList(),
        inbox.indexes.stream().sorted().toList(),
        "each message once");
    assertNotEquals(LongStream.rangeClosed(1, 200).boxed().toList(), inbox.indexes, "reordered");
  }

  @Test
  void lossAndDuplicationFollowTheirRates() {
    network.conditions.lossRate = 0.3;
    one.send(2, appends(1, 10_000));
    time.runUntil(100);
    int kept = inbox.indexes.size();
    assertTrue(kept > 6_700 && kept < 7_300, kept + " of 10,000 kept at 30% loss");

    inbox.indexes.clear();
    network.conditions.lossRate = 0;
    network.conditions.duplicateRate = 1;
    one.send(2, appends(1, 100));
    time.runUntil(200);
    Map<Long, Integer> copies = new HashMap<>();
    inbox.indexes.forEach(i -> copies.merge(i, 1, Integer::sum));
    assertEquals(100, copies.size());
    assertTrue(copies.values().stream().allMatch(n -> n == 2), "two copies of each");
  }

  @Test
  void partitionsAndDownNodesStopMessagesEvenInFlightUntilHealed() {
    one.send(2, appends(1, 10));
    network.partition(Set.of(1L), 1); // while those are on their way
    one.send(2, appends(11, 10));
    time.runUntil(50);
    assertEquals(
        List.of(), inbox.indexes, "nothing crosses a partition, nor was in flight over it");

    network.heal();
    one.send(2, appends(21, 10));
    time.runUntil(100);
    assertEquals(10, inbox.indexes.size());

    network.setDown(2, true);
    one.send(2, appends(31, 10));
    time.runUntil(150);
    network.setDown(2, false);
    time.runUntil(200);
    assertEquals(10, inbox.indexes.size(), "a down node gets nothing sent meanwhile");
  }

  @Test
  void aSnapshotArrivesWholeOrFailsWholeAndTheSenderIsToldWhich() {
    byte[] data = new byte[1_000];
    new SplittableRandom(3).nextBytes(data);
    Message snap =
        Message.builder(MessageType.SNAP)
            .from(1)
            .to(2)
            .term(2)
            .snapshot(new Snapshot(30, 2, ConfState.ofVoters(1L, 2L), data))
            .build();
    network.conditions.snapshotChunkBytes = 100;
    one.sendSnapshot(2, new Envelope(7, snap), ImageSource.of(data));
    time.runUntil(100);
    assertEquals(1, inbox.snapshots.size());
    assertArrayEquals(data, inbox.snapshots.get(0).message().snapshot().data());
    assertEquals(List.of(true), senderInbox.snapshotOutcomes);

    network.conditions.lossRate = 1; // every chunk lost
    boolean[] closed = {false};
    ImageSource whole = ImageSource.of(data);
    one.sendSnapshot(
        2,
        new Envelope(7, snap),
        new ImageSource() {
          @Override
          public long sizeBytes() {
            return whole.sizeBytes();
          }

          @Override
          public byte[] read(int maxBytes) {
            return whole.read(maxBytes);
          }

          @Override
          public void close() {
            closed[0] = true;
          }
        });
    time.runUntil(200);
    assertEquals(1, inbox.snapshots.size(), "no partial snapshot is ever delivered");
    assertEquals(List.of(true, false), senderInbox.snapshotOutcomes);
    assertTrue(closed[0], "the broken stream's image was closed");
  }
}
