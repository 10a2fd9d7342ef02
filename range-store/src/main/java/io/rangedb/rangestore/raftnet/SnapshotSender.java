package io.rangedb.rangestore.raftnet;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.SnapshotChunk;
import io.rangedb.raft.transport.SnapshotChunker;
import io.rangedb.raft.transport.Transport;
import io.rangedb.wire.proto.RaftTransportGrpc;
import io.rangedb.wire.proto.SnapshotResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one snapshot to one peer in chunks, as fast as the stream's flow control allows, and
 * tells the sending host whether the peer took it, so the leader stops waiting either way.
 */
final class SnapshotSender
    implements ClientResponseObserver<io.rangedb.wire.proto.SnapshotChunk, SnapshotResponse> {
  private static final Logger log = LoggerFactory.getLogger(SnapshotSender.class);

  private final long localNode;
  private final long peer;
  private final long groupId;
  private final Iterator<SnapshotChunk> chunks;
  private final Transport.Receiver receiver;
  private ClientCallStreamObserver<io.rangedb.wire.proto.SnapshotChunk> requests;
  private boolean done;

  private SnapshotSender(
      long localNode,
      long peer,
      long groupId,
      List<SnapshotChunk> chunks,
      Transport.Receiver receiver) {
    this.localNode = localNode;
    this.peer = peer;
    this.groupId = groupId;
    this.chunks = chunks.iterator();
    this.receiver = receiver;
  }

  /**
   * Starts the call. Its deadline is {@code timeoutPerChunk} times (chunks + 1), the one extra for
   * the peer's answer: a peer that stalls (frozen, or never answering) fails the call with
   * DEADLINE_EXCEEDED, reported as not delivered, and the leader retries later.
   */
  static void send(
      RaftTransportGrpc.RaftTransportStub stub,
      long localNode,
      long peer,
      Envelope snapshot,
      int chunkBytes,
      Duration timeoutPerChunk,
      Transport.Receiver receiver) {
    List<SnapshotChunk> list = SnapshotChunker.split(snapshot, chunkBytes);
    stub.withDeadlineAfter(deadlineNanos(timeoutPerChunk, list.size()), TimeUnit.NANOSECONDS)
        .snapshot(new SnapshotSender(localNode, peer, snapshot.groupId(), list, receiver));
  }

  static long deadlineNanos(Duration timeoutPerChunk, int chunks) {
    long perChunk = timeoutPerChunk.toNanos();
    long n = chunks + 1L;
    return perChunk > Long.MAX_VALUE / n ? Long.MAX_VALUE : perChunk * n;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<io.rangedb.wire.proto.SnapshotChunk> stream) {
    requests = stream;
    stream.setOnReadyHandler(this::pump);
  }

  private synchronized void pump() {
    while (!done && chunks.hasNext() && requests.isReady()) {
      requests.onNext(RaftMessageCodec.encode(chunks.next(), localNode));
      if (!chunks.hasNext()) {
        requests.onCompleted();
      }
    }
  }

  @Override
  public void onNext(SnapshotResponse response) {
    finish(response.getAccepted());
    if (!response.getAccepted()) {
      log.warn("node {} refused the snapshot of group {}: {}", peer, groupId, response.getError());
    }
  }

  @Override
  public void onError(Throwable t) {
    Status.Code code = Status.fromThrowable(t).getCode();
    if (code == Status.Code.UNAVAILABLE || code == Status.Code.CANCELLED) {
      log.debug("snapshot of group {} to node {} failed: {}", groupId, peer, t.toString());
    } else {
      // A deadline past or a snapshot refused for its size: worth an operator's attention.
      log.warn("snapshot of group {} to node {} failed: {}", groupId, peer, t.toString());
    }
    finish(false);
  }

  @Override
  public void onCompleted() {
    finish(false);
  }

  private void finish(boolean delivered) {
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
    }
    receiver.snapshotStatus(groupId, peer, delivered);
  }
}
