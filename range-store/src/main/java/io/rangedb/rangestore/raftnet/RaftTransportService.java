package io.rangedb.rangestore.raftnet;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.SnapshotChunker;
import io.rangedb.raft.transport.Transport;
import io.rangedb.wire.proto.RaftBatchAck;
import io.rangedb.wire.proto.RaftMessage;
import io.rangedb.wire.proto.RaftMessageBatch;
import io.rangedb.wire.proto.RaftTransportGrpc;
import io.rangedb.wire.proto.SnapshotChunk;
import io.rangedb.wire.proto.SnapshotResponse;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of the Raft transport: decodes batches from peers' streams and hands them to
 * the local host. A stream addressed to another node is refused (a peer with a stale address book);
 * a message that does not decode is dropped and logged, the rest of its batch delivered.
 */
final class RaftTransportService extends RaftTransportGrpc.RaftTransportImplBase {
  private static final Logger log = LoggerFactory.getLogger(RaftTransportService.class);

  private final long localNode;
  private final Transport.Receiver receiver;

  RaftTransportService(long localNode, Transport.Receiver receiver) {
    this.localNode = localNode;
    this.receiver = receiver;
  }

  @Override
  public StreamObserver<RaftMessageBatch> stream(StreamObserver<RaftBatchAck> responses) {
    return new StreamObserver<>() {
      private boolean failed;

      @Override
      public void onNext(RaftMessageBatch batch) {
        if (failed) {
          return;
        }
        if (batch.getToNode() != localNode) {
          failed = true;
          responses.onError(
              Status.FAILED_PRECONDITION
                  .withDescription("this is node " + localNode + ", not node " + batch.getToNode())
                  .asRuntimeException());
          return;
        }
        List<Envelope> envelopes = new ArrayList<>(batch.getMessagesCount());
        for (RaftMessage m : batch.getMessagesList()) {
          try {
            Envelope env = RaftMessageCodec.decode(m);
            if (env.message().type() == io.rangedb.raft.MessageType.SNAP) {
              // A snapshot's data only travels on the Snapshot call; here it would be empty.
              throw new IllegalArgumentException("a snapshot outside the snapshot stream");
            }
            envelopes.add(env);
          } catch (IllegalArgumentException e) {
            log.warn(
                "dropping a malformed Raft message from node {}: {}",
                batch.getFromNode(),
                e.getMessage());
          }
        }
        if (!envelopes.isEmpty()) {
          receiver.receive(batch.getFromNode(), envelopes);
        }
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

  @Override
  public StreamObserver<SnapshotChunk> snapshot(StreamObserver<SnapshotResponse> response) {
    return new StreamObserver<>() {
      private final SnapshotChunker.Assembler assembler = new SnapshotChunker.Assembler();
      private long groupId = -1;
      private long fromNode;
      private Envelope whole;
      private String error;

      @Override
      public void onNext(SnapshotChunk chunk) {
        if (error != null || whole != null) {
          return;
        }
        try {
          if (groupId < 0) {
            if (!chunk.hasHeader()) {
              throw new IllegalArgumentException("the first snapshot chunk has no header");
            }
            groupId = chunk.getHeader().getGroupId();
            fromNode = chunk.getFromNode();
            if (chunk.getHeader().getTo() == 0) {
              throw new IllegalArgumentException("snapshot without a receiver");
            }
          }
          whole = assembler.add(RaftMessageCodec.decode(chunk, groupId));
        } catch (IllegalArgumentException | IllegalStateException e) {
          error = e.getMessage();
        }
      }

      @Override
      public void onError(Throwable t) {
        // The sender gave up; it learns the outcome from its own side of the stream.
      }

      @Override
      public void onCompleted() {
        if (error == null && whole == null) {
          error = "the snapshot stream ended before its last chunk";
        }
        if (error != null) {
          log.warn("refusing a snapshot from node {}: {}", fromNode, error);
          response.onNext(SnapshotResponse.newBuilder().setAccepted(false).setError(error).build());
        } else {
          receiver.receive(fromNode, List.of(whole));
          response.onNext(SnapshotResponse.newBuilder().setAccepted(true).build());
        }
        response.onCompleted();
      }
    };
  }
}
