package io.rangedb.rangestore.raftnet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.host.RaftHost;
import io.rangedb.raft.host.RaftThreads;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.Transport;
import io.rangedb.rangestore.raftlog.RaftLogStore;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import io.rangedb.wire.proto.RaftBatchAck;
import io.rangedb.wire.proto.RaftEntry;
import io.rangedb.wire.proto.RaftMessage;
import io.rangedb.wire.proto.RaftMessageBatch;
import io.rangedb.wire.proto.RaftMessageType;
import io.rangedb.wire.proto.RaftTransportGrpc;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node behind gRPC takes only appends that continue its log: one whose entries do not follow its
 * index is dropped at the edge, and the node goes on taking the good ones (a real host on a RocksDB
 * log, a hand-made stream from its peer).
 */
class MalformedAppendsFromTheWireTest {
  @TempDir Path dir;

  private final Map<Long, String> addresses = new ConcurrentHashMap<>();
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private RaftLogStore logs;

  @AfterEach
  void tearDown() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  // ------------------------------------------------------------------ a real host behind gRPC

  /** Hands the transport's deliveries to a host set after the transport is built. */
  private static final class HostReceiver implements Transport.Receiver {
    volatile RaftHost host;

    @Override
    public void receive(long fromNode, List<Envelope> batch) {
      host.receive(fromNode, batch);
    }

    @Override
    public void snapshotStatus(long groupId, long toNode, boolean delivered) {
      host.snapshotStatus(groupId, toNode, delivered);
    }

    @Override
    public ImageSink snapshotSink(long fromNode, Envelope header) {
      return host.snapshotSink(fromNode, header);
    }
  }

  private static final class NoOpStateMachine implements RaftHost.StateMachine {
    @Override
    public void apply(long groupId, Entry entry) {}

    @Override
    public void restore(long groupId, Snapshot snapshot) {}
  }

  /**
   * Node 1: a RaftHost on a RocksDB Raft log with group 1 (voters 1 and 2, a founder's log at index
   * 1), served by a GrpcRaftTransport on 127.0.0.1. Nothing ticks, so it stays a follower.
   */
  private RaftHost startHostNode() throws Exception {
    StoreEngine engine = StoreEngine.open(StoreOptions.onDisk(dir.resolve("n1")));
    cleanup.add(engine);
    logs = new RaftLogStore(engine);
    logs.bootstrap(1, ConfState.ofVoters(1L, 2L), null);
    HostReceiver receiver = new HostReceiver();
    GrpcRaftTransport transport =
        new GrpcRaftTransport(1, addresses::get, receiver, GrpcRaftTransport.Options.DEFAULT);
    ExecutorService loop = RaftThreads.newLoop("review-loop-n1");
    ExecutorService syncer = RaftThreads.newSyncer("review-sync-n1");
    cleanup.add(
        () -> {
          loop.shutdownNow();
          syncer.shutdownNow();
          loop.awaitTermination(10, TimeUnit.SECONDS);
          syncer.awaitTermination(10, TimeUnit.SECONDS);
        });
    RaftHost host =
        new RaftHost(
            1,
            logs,
            transport,
            loop,
            syncer,
            new SplittableRandom(1),
            new NoOpStateMachine(),
            RaftHost.Options.defaults());
    receiver.host = host;
    Server server =
        transport
            .configureServer(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)))
            .addService(transport.service())
            .build()
            .start();
    cleanup.add(
        () -> {
          transport.close();
          server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        });
    addresses.put(1L, "127.0.0.1:" + server.getPort());
    host.addGroup(1, RaftConfig.defaults(1)).get(30, TimeUnit.SECONDS);
    return host;
  }

  /** Sends one RaftMessageBatch from node 2 to node 1 over a plain gRPC stream, then ends it. */
  private void sendRawBatch(RaftMessageBatch batch) throws Exception {
    ManagedChannel channel =
        io.grpc.Grpc.newChannelBuilder(
                addresses.get(1L), io.grpc.InsecureChannelCredentials.create())
            .build();
    try {
      var done = new java.util.concurrent.CompletableFuture<Void>();
      StreamObserver<RaftMessageBatch> requests =
          RaftTransportGrpc.newStub(channel).stream(
              new StreamObserver<RaftBatchAck>() {
                @Override
                public void onNext(RaftBatchAck v) {}

                @Override
                public void onError(Throwable t) {
                  done.complete(null);
                }

                @Override
                public void onCompleted() {
                  done.complete(null);
                }
              });
      requests.onNext(batch);
      requests.onCompleted();
      done.get(10, TimeUnit.SECONDS);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static RaftMessage appendFromNode2(long... entryIndexes) {
    RaftMessage.Builder m =
        RaftMessage.newBuilder()
            .setGroupId(1)
            .setFrom(2)
            .setTo(1)
            .setType(RaftMessageType.MSG_APP)
            .setTerm(2)
            .setLogTerm(1)
            .setIndex(1)
            .setCommit(1);
    for (long i : entryIndexes) {
      m.addEntries(
          RaftEntry.newBuilder()
              .setTerm(2)
              .setIndex(i)
              .setType(io.rangedb.wire.proto.EntryType.ENTRY_NORMAL)
              .setData(ByteString.copyFromUtf8("x" + i)));
    }
    return m.build();
  }

  private void sendFromNode2(RaftMessage... messages) throws Exception {
    RaftMessageBatch.Builder b = RaftMessageBatch.newBuilder().setFromNode(2).setToNode(1);
    for (RaftMessage m : messages) {
      b.addMessages(m);
    }
    sendRawBatch(b.build());
  }

  /**
   * After the malformed append, a good one (entries 2 and 3) arrives: the host, still running,
   * takes it, and its log holds 1..3 without a hole. Without the good one, a dropped append and one
   * that never arrived would look alike.
   */
  private void assertTheHostTakesTheNextGoodAppend(RaftHost host) throws Exception {
    sendFromNode2(appendFromNode2(2, 3));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline
        && host.failure() == null
        && logs.storage(1).lastIndex() < 3) {
      Thread.sleep(20);
    }
    assertNull(host.failure(), "the host runs");
    var log = logs.storage(1);
    assertEquals(3, log.lastIndex(), "the good append was taken");
    List<Entry> all = log.entries(log.firstIndex(), 4, Long.MAX_VALUE);
    for (int i = 0; i < all.size(); i++) {
      assertEquals(log.firstIndex() + i, all.get(i).index(), "entries of the log are consecutive");
    }
    assertEquals("x3", new String(log.entries(3, 4, Long.MAX_VALUE).get(0).data(), UTF_8));
  }

  /** The Raft core would throw on it, and a host whose core throws stops all its groups. */
  @Test
  void anAppendWhoseEntriesDoNotFollowItsIndexIsDropped() throws Exception {
    RaftHost host = startHostNode();
    sendFromNode2(appendFromNode2(5));
    assertTheHostTakesTheNextGoodAppend(host);
  }

  /** Taken, it would be acknowledged through index 4 with 3 missing: a damaged log. */
  @Test
  void anAppendWhoseEntriesSkipAnIndexIsDropped() throws Exception {
    RaftHost host = startHostNode();
    sendFromNode2(appendFromNode2(2, 4));
    assertTheHostTakesTheNextGoodAppend(host);
  }
}
