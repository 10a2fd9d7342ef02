package io.rangedb.rangestore.raftnet;

import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.Transport;
import io.rangedb.wire.proto.RaftMessageBatch;
import io.rangedb.wire.proto.RaftTransportGrpc;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Raft {@link Transport} between nodes over gRPC: one bidirectional stream per peer carries the
 * messages of every group, batched per destination by the host; snapshots stream separately in
 * chunks. The receiving half is {@link #service()}, which the node registers on its gRPC server.
 */
public final class GrpcRaftTransport implements Transport, AutoCloseable {

  /**
   * Tuning; the defaults suit loopback and a LAN.
   *
   * @param maxBatchBytes bytes of messages per gRPC message; a single larger Raft message still
   *     goes alone, so receivers' inbound limit must exceed the Raft groups' maxSizePerMsg
   */
  public record Options(int snapshotChunkBytes, long maxQueuedBytesPerPeer, long maxBatchBytes) {
    public static final Options DEFAULT = new Options(1 << 20, 64L << 20, 2L << 20);
  }

  private final long localNode;
  private final PeerAddresses addresses;
  private final Options options;
  private final Receiver receiver;
  private final Map<Long, Peer> peers = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private record Peer(ManagedChannel channel, PeerStream stream, String address) {}

  public GrpcRaftTransport(
      long localNode, PeerAddresses addresses, Receiver receiver, Options options) {
    this.localNode = localNode;
    this.addresses = addresses;
    this.receiver = receiver;
    this.options = options;
  }

  /** The gRPC service through which peers deliver to this node's receiver. */
  public BindableService service() {
    return new RaftTransportService(localNode, receiver);
  }

  @Override
  public void send(long toNode, List<Envelope> batch) {
    Peer peer = peer(toNode);
    if (peer == null || batch.isEmpty()) {
      return;
    }
    // Split so that no gRPC message exceeds the budget: a receiver refuses messages over its
    // inbound limit (4 MiB by default) and would break the stream, over and over.
    RaftMessageBatch.Builder b = newBatch(toNode);
    long bytes = 0;
    for (Envelope e : batch) {
      var m = RaftMessageCodec.encode(e);
      int size = m.getSerializedSize();
      if (b.getMessagesCount() > 0 && bytes + size > options.maxBatchBytes()) {
        peer.stream().send(b.build());
        b = newBatch(toNode);
        bytes = 0;
      }
      b.addMessages(m);
      bytes += size;
    }
    peer.stream().send(b.build());
  }

  private RaftMessageBatch.Builder newBatch(long toNode) {
    return RaftMessageBatch.newBuilder().setFromNode(localNode).setToNode(toNode);
  }

  @Override
  public void sendSnapshot(long toNode, Envelope snapshotMessage) {
    Peer peer = peer(toNode);
    if (peer == null) {
      receiver.snapshotStatus(snapshotMessage.groupId(), toNode, false);
      return;
    }
    SnapshotSender.send(
        RaftTransportGrpc.newStub(peer.channel()),
        localNode,
        toNode,
        snapshotMessage,
        options.snapshotChunkBytes(),
        receiver);
  }

  /** Messages dropped so far because a peer was unreachable or could not keep up. */
  public long droppedMessages() {
    return peers.values().stream().mapToLong(p -> p.stream().dropped()).sum();
  }

  private Peer peer(long node) {
    if (closed) {
      return null;
    }
    Peer p = peers.get(node);
    String address = addresses.addressOf(node);
    if (p != null && p.address().equals(address)) {
      return p;
    }
    if (address == null) {
      return null;
    }
    synchronized (this) {
      if (closed) {
        return null; // close() won the race: a channel made now would never be shut down
      }
      p = peers.get(node);
      if (p != null && p.address().equals(address)) {
        return p;
      }
      if (p != null) {
        shutdown(p);
      }
      ManagedChannel channel =
          Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build();
      p =
          new Peer(
              channel,
              new PeerStream(
                  node, RaftTransportGrpc.newStub(channel), options.maxQueuedBytesPerPeer()),
              address);
      peers.put(node, p);
      return p;
    }
  }

  private static void shutdown(Peer p) {
    p.stream().close();
    p.channel().shutdown();
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (Peer p : peers.values()) {
      shutdown(p);
    }
    for (Peer p : peers.values()) {
      try {
        if (!p.channel().awaitTermination(5, TimeUnit.SECONDS)) {
          p.channel().shutdownNow();
        }
      } catch (InterruptedException e) {
        p.channel().shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    peers.clear();
  }
}
