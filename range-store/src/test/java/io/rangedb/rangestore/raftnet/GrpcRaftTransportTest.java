package io.rangedb.rangestore.raftnet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.Transport;
import io.rangedb.wire.proto.RaftMessageBatch;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GrpcRaftTransportTest {
  private final Map<Long, String> addresses = new ConcurrentHashMap<>();
  private final List<Node> nodes = new ArrayList<>();

  /** One node: a server on loopback, a transport, and what its receiver was handed. */
  private final class Node implements Transport.Receiver {
    final long id;
    final BlockingQueue<Envelope> received = new LinkedBlockingQueue<>();
    final BlockingQueue<String> snapshotStatus = new LinkedBlockingQueue<>();
    final GrpcRaftTransport transport;
    Server server;
    int port;

    Node(long id) throws IOException {
      this.id = id;
      transport =
          new GrpcRaftTransport(
              id, addresses::get, this, new GrpcRaftTransport.Options(4096, 8 << 20, 64 << 10));
      start();
      nodes.add(this);
    }

    void start() throws IOException {
      // A restarted node comes back on the port it had, as a real node would.
      InetSocketAddress bind = new InetSocketAddress("127.0.0.1", port);
      server =
          NettyServerBuilder.forAddress(bind)
              .maxInboundMessageSize(1 << 20)
              .addService(transport.service())
              .build()
              .start();
      port = server.getPort();
      addresses.put(id, "127.0.0.1:" + port);
    }

    void stop() throws InterruptedException {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Override
    public void receive(long fromNode, List<Envelope> batch) {
      assertEquals(batch.get(0).message().from(), fromNode, "sender node is the replica sending");
      received.addAll(batch);
    }

    @Override
    public void snapshotStatus(long groupId, long toNode, boolean delivered) {
      snapshotStatus.add(groupId + "->" + toNode + ":" + delivered);
    }
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    for (Node n : nodes) {
      n.transport.close();
      n.stop();
    }
  }

  private static Envelope append(long group, long from, long to, long term, int entries) {
    List<Entry> ents = new ArrayList<>();
    for (int i = 1; i <= entries; i++) {
      ents.add(Entry.normal(term, 10 + i, ("cmd-" + group + "-" + i).getBytes(UTF_8)));
    }
    return new Envelope(
        group,
        Message.builder(MessageType.APP)
            .from(from)
            .to(to)
            .term(term)
            .logTerm(term - 1)
            .index(10)
            .commit(9)
            .entries(ents)
            .context("ctx".getBytes(UTF_8))
            .build());
  }

  private static void assertSameMessage(Envelope expected, Envelope actual) {
    assertNotNull(actual, "message not delivered");
    assertEquals(RaftMessageCodec.encode(expected), RaftMessageCodec.encode(actual));
    assertEquals(expected.message().entries(), actual.message().entries());
  }

  @Test
  void batchesOfManyGroupsArriveIntactOverOneStream() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    List<Envelope> sent = new ArrayList<>();
    for (long g = 1; g <= 200; g++) {
      sent.add(append(g, 1, 2, 5, (int) (g % 4)));
    }
    a.transport.send(2, sent.subList(0, 100));
    a.transport.send(2, sent.subList(100, 200));
    for (Envelope e : sent) {
      assertSameMessage(e, b.received.poll(10, TimeUnit.SECONDS));
    }
    Envelope back =
        new Envelope(
            7,
            Message.builder(MessageType.APP_RESP)
                .from(2)
                .to(1)
                .term(5)
                .index(12)
                .reject(true)
                .rejectHint(11)
                .logTerm(4)
                .build());
    b.transport.send(1, List.of(back));
    assertSameMessage(back, a.received.poll(10, TimeUnit.SECONDS));
  }

  @Test
  void aBatchLargerThanTheReceiversMessageLimitArrivesInPieces() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    // 40 appends of ~40 KiB: 1.6 MiB for one peer in one cycle, over the 64 KiB batch budget
    // these nodes use; unsplit, the receiver's limit would refuse it and break the stream.
    List<Envelope> big = new ArrayList<>();
    for (long g = 1; g <= 40; g++) {
      Envelope e = append(g, 1, 2, 3, 1);
      Message m = e.message();
      byte[] data = new byte[40_000];
      new Random(g).nextBytes(data);
      big.add(
          new Envelope(
              g,
              m.toBuilder()
                  .entries(List.of(new Entry(3, 11, io.rangedb.raft.EntryType.NORMAL, data)))
                  .build()));
    }
    a.transport.send(2, big);
    for (Envelope e : big) {
      assertSameMessage(e, b.received.poll(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void snapshotsStreamInChunksAndTheSenderLearnsTheOutcome() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    byte[] image = new byte[100_000];
    new Random(42).nextBytes(image);
    ConfState conf =
        new ConfState(
            java.util.Set.of(1L, 2L),
            java.util.Set.of(),
            java.util.Set.of(3L),
            java.util.Set.of(),
            false);
    Envelope snap =
        new Envelope(
            9,
            Message.builder(MessageType.SNAP)
                .from(1)
                .to(2)
                .term(3)
                .snapshot(new Snapshot(500, 3, conf, image))
                .build());
    a.transport.sendSnapshot(2, snap);
    Envelope got = b.received.poll(10, TimeUnit.SECONDS);
    assertNotNull(got);
    assertEquals(9, got.groupId());
    assertEquals(new Snapshot(500, 3, conf, image), got.message().snapshot());
    assertArrayEquals(image, got.message().snapshot().data());
    assertEquals("9->2:true", a.snapshotStatus.poll(10, TimeUnit.SECONDS));
  }

  @Test
  void anUnreachablePeerCostsTheSenderNothingAndCatchesUpWhenBack() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    b.stop();
    for (int i = 0; i < 50; i++) {
      a.transport.send(2, List.of(append(1, 1, 2, 2, 1))); // must not block or throw
    }
    a.transport.sendSnapshot(
        2,
        new Envelope(
            4,
            Message.builder(MessageType.SNAP)
                .from(1)
                .to(2)
                .term(2)
                .snapshot(new Snapshot(5, 2, ConfState.ofVoters(1L, 2L), new byte[10]))
                .build()));
    assertEquals("4->2:false", a.snapshotStatus.poll(10, TimeUnit.SECONDS));
    b.start();
    Envelope later = append(3, 1, 2, 9, 2);
    // The broken stream is replaced on a later send; keep sending as a Raft leader would.
    Envelope got = null;
    for (int i = 0; i < 100 && got == null; i++) {
      a.transport.send(2, List.of(later));
      got = b.received.poll(100, TimeUnit.MILLISECONDS);
      while (got != null && got.groupId() != 3) {
        got = b.received.poll(100, TimeUnit.MILLISECONDS);
      }
    }
    assertSameMessage(later, got);
  }

  @Test
  void aStreamMeantForAnotherNodeIsRefused() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    // Node 3's address points at node 2: a stale address book.
    addresses.put(3L, addresses.get(2L));
    a.transport.send(3, List.of(append(1, 1, 3, 2, 1)));
    assertNull(b.received.poll(500, TimeUnit.MILLISECONDS));
    a.transport.send(2, List.of(append(1, 1, 2, 2, 1)));
    assertNotNull(b.received.poll(10, TimeUnit.SECONDS), "the right node still gets its messages");
  }

  @Test
  void malformedMessagesAreDroppedAndTheRestOfTheBatchDelivered() throws Exception {
    Node b = new Node(2);
    Envelope good = append(1, 1, 2, 2, 1);
    var bad = RaftMessageCodec.encode(good).toBuilder().setTypeValue(99).build();
    var badEntry =
        RaftMessageCodec.encode(good).toBuilder()
            .setEntries(0, RaftMessageCodec.encode(good).getEntries(0).toBuilder().setTypeValue(7))
            .build();
    // A snapshot's data travels only on the Snapshot call: on the batch stream it is refused.
    var snapOutsideItsStream =
        RaftMessageCodec.encode(
            new Envelope(
                1,
                Message.builder(MessageType.SNAP)
                    .from(1)
                    .to(2)
                    .term(2)
                    .snapshot(new Snapshot(9, 2, ConfState.ofVoters(1L, 2L), new byte[] {1}))
                    .build()));
    var channel =
        io.grpc.Grpc.newChannelBuilder(
                addresses.get(2L), io.grpc.InsecureChannelCredentials.create())
            .build();
    try {
      var done = new java.util.concurrent.CountDownLatch(1);
      var requests =
          io.rangedb.wire.proto.RaftTransportGrpc.newStub(channel).stream(
              new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(io.rangedb.wire.proto.RaftBatchAck v) {}

                @Override
                public void onError(Throwable t) {
                  done.countDown();
                }

                @Override
                public void onCompleted() {
                  done.countDown();
                }
              });
      requests.onNext(
          RaftMessageBatch.newBuilder()
              .setFromNode(1)
              .setToNode(2)
              .addMessages(bad)
              .addMessages(badEntry)
              .addMessages(snapOutsideItsStream)
              .addMessages(RaftMessageCodec.encode(good))
              .build());
      requests.onCompleted();
      assertTrue(done.await(10, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertSameMessage(good, b.received.poll(10, TimeUnit.SECONDS));
    assertNull(b.received.poll(200, TimeUnit.MILLISECONDS));
    assertFalse(b.received.iterator().hasNext());
  }
}
