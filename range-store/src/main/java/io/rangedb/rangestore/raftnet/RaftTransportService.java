package io.rangedb.rangestore.raftnet;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.SnapshotChunker;
import io.rangedb.raft.transport.Transport;
import io.rangedb.wire.proto.RaftBatchAck;
import io.rangedb.wire.proto.RaftTransportGrpc;
import io.rangedb.wire.proto.SnapshotChunk;
import io.rangedb.wire.proto.SnapshotResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of the Raft transport: decodes batches from peers' streams and hands them to
 * the local host. A stream addressed to another node is refused (a peer with a stale address book);
 * a message that does not decode is dropped and logged, the rest of its batch delivered.
 */
final class RaftTransportService implements BindableService {
  private static final Logger log = LoggerFactory.getLogger(RaftTransportService.class);

  private final long localNode;
  private final Transport.Receiver receiver;
  private final long maxSnapshotBytes;
  private final SnapshotReceives receives;
  private final LongConsumer heardFrom;

  /**
   * @param heardFrom told the sender of every batch that arrives whole and addressed to this node
   *     (proof that the sender is up and reaches us), before the batch is delivered
   */
  RaftTransportService(
      long localNode,
      Transport.Receiver receiver,
      long maxSnapshotBytes,
      SnapshotReceives receives,
      LongConsumer heardFrom) {
    this.localNode = localNode;
    this.receiver = receiver;
    this.maxSnapshotBytes = maxSnapshotBytes;
    this.receives = receives;
    this.heardFrom = heardFrom;
  }

  /**
   * The generated service's two calls, with the stream's requests as encoded bytes ({@link
   * RaftStreamMethod}) that {@link RaftMessageCodec} decodes.
   */
  @Override
  public ServerServiceDefinition bindService() {
    return ServerServiceDefinition.builder(RaftTransportGrpc.SERVICE_NAME)
        .addMethod(RaftStreamMethod.STREAM, ServerCalls.asyncBidiStreamingCall(this::stream))
        .addMethod(
            RaftTransportGrpc.getSnapshotMethod(),
            ServerCalls.asyncClientStreamingCall(this::snapshot))
        .build();
  }

  private static void dropMalformed(long fromNode, String why) {
    log.warn("dropping a malformed Raft message from node {}: {}", fromNode, why);
  }

  private StreamObserver<byte[]> stream(StreamObserver<RaftBatchAck> responses) {
    return new StreamObserver<>() {
      private boolean failed;

      @Override
      public void onNext(byte[] bytes) {
        if (failed) {
          return;
        }
        RaftMessageCodec.DecodedBatch batch;
        try {
          batch = RaftMessageCodec.decodeBatch(bytes);
        } catch (InvalidProtocolBufferException e) {
          refuse(Status.INVALID_ARGUMENT.withDescription("not a Raft batch: " + e.getMessage()));
          return;
        }
        if (batch.toNode() != localNode) {
          refuse(
              Status.FAILED_PRECONDITION.withDescription(
                  "this is node " + localNode + ", not node " + batch.toNode()));
          return;
        }
        heardFrom.accept(batch.fromNode());
        for (String why : batch.malformed()) {
          dropMalformed(batch.fromNode(), why);
        }
        List<Envelope> envelopes = new ArrayList<>(batch.messages().size());
        for (Envelope env : batch.messages()) {
          if (env.message().type() == io.rangedb.raft.MessageType.SNAP) {
            // A snapshot's data only travels on the Snapshot call; here it would be empty.
            dropMalformed(batch.fromNode(), "a snapshot outside the snapshot stream");
          } else {
            envelopes.add(env);
          }
        }
        if (!envelopes.isEmpty()) {
          receiver.receive(batch.fromNode(), envelopes);
        }
      }

      private void refuse(Status status) {
        failed = true;
        responses.onError(status.asRuntimeException());
      }

      @Override
      public void onError(Throwable t) {
        // The peer went away; it opens a new stream when it has something to send.
      }

      @Override
      public void onCompleted() {
        if (!failed) {
          responses.onCompleted();
        }
      }
    };
  }

  /**
   * Receives one snapshot, writing each chunk into the receiver's sink as it arrives. A stream
   * whose data goes past {@code maxSnapshotBytes} is refused at once with RESOURCE_EXHAUSTED and
   * what it brought is dropped, so a buggy or hostile peer cannot fill this node's memory or disk;
   * other malformed streams (chunks out of order, a snapshot for another node, a sink that fails)
   * are refused at once too, so that the sender stops and the stream's place is free; one that ends
   * before its last chunk is refused then. A stream that breaks leaves nothing behind (the sink is
   * aborted); the snapshot reaches the host only after its last chunk. A stream that finds this
   * node taking as many snapshots as it may ({@link SnapshotReceives}) is refused with UNAVAILABLE
   * at its first chunk, before anything is written.
   */
  private StreamObserver<SnapshotChunk> snapshot(StreamObserver<SnapshotResponse> response) {
    return new StreamObserver<>() {
      private SnapshotChunker.Incoming incoming;
      private long groupId = -1;
      private long fromNode;
      private long bytes;
      private boolean whole;
      private String error;
      private boolean answered;

      /** Whether this stream holds one of the node's places for snapshots being taken. */
      private boolean placed;

      @Override
      public void onNext(SnapshotChunk chunk) {
        if (answered || error != null || whole) {
          return;
        }
        try {
          if (incoming == null) {
            if (!chunk.hasHeader()) {
              throw new IllegalArgumentException("the first snapshot chunk has no header");
            }
            groupId = chunk.getHeader().getGroupId();
            fromNode = chunk.getFromNode();
            if (chunk.getHeader().getTo() != localNode) {
              // A peer with a stale address book, as on the batch stream: the leader must hear
              // that the node it meant did not get it.
              throw new IllegalArgumentException(
                  "this is node " + localNode + ", not node " + chunk.getHeader().getTo());
            }
            if (!receives.tryStart()) {
              refuseBusy();
              return;
            }
            placed = true;
            incoming = new SnapshotChunker.Incoming(receiver, fromNode);
          }
          bytes += chunk.getData().size();
          if (bytes > maxSnapshotBytes) {
            refuseTooLarge();
            return;
          }
          whole = incoming.add(RaftMessageCodec.decode(chunk, groupId));
        } catch (RuntimeException e) {
          // Malformed or out of order, or the sink could not take it (its disk): refused at once,
          // so that the sender stops sending and the stream's place is free for another.
          error = e.getMessage() == null ? e.toString() : e.getMessage();
          abort();
          leave();
          answer();
        }
      }

      private void abort() {
        if (incoming != null) {
          incoming.abort();
        }
      }

      /** Gives the stream's place back, once, however the stream ends. */
      private void leave() {
        if (placed) {
          placed = false;
          receives.ended();
        }
      }

      private void refuseBusy() {
        answered = true;
        String why =
            "this node is taking "
                + receives.max()
                + " snapshots already; the one of group "
                + groupId
                + " from node "
                + fromNode
                + " may come later";
        log.debug("refusing a snapshot: {}", why);
        // UNAVAILABLE, not RESOURCE_EXHAUSTED: this is flow control that passes, and the sender
        // logs UNAVAILABLE quietly, where it warns of a snapshot refused for its size.
        response.onError(Status.UNAVAILABLE.withDescription(why).asRuntimeException());
      }

      private void refuseTooLarge() {
        abort(); // the partial snapshot goes now, not when the peer stops sending
        answered = true;
        String why =
            "snapshot of group "
                + groupId
                + " from node "
                + fromNode
                + " exceeds this node's limit of "
                + maxSnapshotBytes
                + " bytes";
        log.warn("refusing a snapshot: {}", why);
        leave();
        response.onError(Status.RESOURCE_EXHAUSTED.withDescription(why).asRuntimeException());
      }

      @Override
      public void onError(Throwable t) {
        // The sender gave up (or its deadline passed); it learns the outcome on its own side.
        abort();
        leave();
      }

      @Override
      public void onCompleted() {
        leave();
        if (!answered && error == null && !whole) {
          error = "the snapshot stream ended before its last chunk";
          abort();
        }
        answer();
      }

      /** Tells the sender, once, whether the snapshot was taken: refused if {@code error}. */
      private void answer() {
        if (answered) {
          return;
        }
        answered = true;
        if (error != null) {
          log.warn("refusing a snapshot from node {}: {}", fromNode, error);
          response.onNext(SnapshotResponse.newBuilder().setAccepted(false).setError(error).build());
        } else {
          response.onNext(SnapshotResponse.newBuilder().setAccepted(true).build());
        }
        response.onCompleted();
      }
    };
  }
}
