package io.rangedb.rangestore.raftnet;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.SnapshotChunk;
import io.rangedb.raft.transport.SnapshotChunker;
import io.rangedb.raft.transport.Transport;
import io.rangedb.wire.proto.RaftTransportGrpc;
import io.rangedb.wire.proto.SnapshotResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one snapshot to one peer in chunks, as fast as the stream's flow control and the node's
 * {@link SnapshotPacer} (if any) allow, reading each from the image only when the stream can take
 * it (on gRPC's executor, or the pacer's, never the host's loop), and tells the sending host
 * whether the peer took it, so the leader stops waiting either way. The image is closed when the
 * call ends, however it ends. The call starts when {@link SnapshotSends} gives it its turn.
 */
final class SnapshotSender
    implements ClientResponseObserver<io.rangedb.wire.proto.SnapshotChunk, SnapshotResponse> {
  private static final Logger log = LoggerFactory.getLogger(SnapshotSender.class);

  private final RaftTransportGrpc.RaftTransportStub stub;
  private final long localNode;
  private final long peer;
  private final long groupId;
  private final SnapshotChunker.Outgoing chunks;
  private final Duration timeoutPerChunk;
  private final Transport.Receiver receiver;
  private final SnapshotSends sends;
  private final SnapshotPacer pacer;
  private ClientCallStreamObserver<io.rangedb.wire.proto.SnapshotChunk> requests;
  private boolean done;
  private boolean sentLast;

  /** A chunk read from the image and waiting for the pacer's credit; nothing more is read. */
  private SnapshotChunk paced;

  /** What the pacer runs once it took the credit of {@link #paced}; withdrawn if the call ends. */
  private final Runnable grant = this::creditGranted;

  /** A sender of {@code snapshot}'s image to {@code peer}, its call not started yet. */
  SnapshotSender(
      RaftTransportGrpc.RaftTransportStub stub,
      long localNode,
      long peer,
      Envelope snapshot,
      ImageSource image,
      int chunkBytes,
      Duration timeoutPerChunk,
      Transport.Receiver receiver,
      SnapshotSends sends,
      SnapshotPacer pacer) {
    this.stub = stub;
    this.localNode = localNode;
    this.peer = peer;
    this.groupId = snapshot.groupId();
    this.chunks = new SnapshotChunker.Outgoing(snapshot, image, chunkBytes);
    this.timeoutPerChunk = timeoutPerChunk;
    this.receiver = receiver;
    this.sends = sends;
    this.pacer = pacer;
  }

  /**
   * Starts the call. Its deadline is {@code timeoutPerChunk} times (chunks + 1), the chunks counted
   * from the image's size estimate, the one extra for the peer's answer: a peer that stalls
   * (frozen, or never answering) fails the call with DEADLINE_EXCEEDED, reported as not delivered,
   * and the leader retries later. A sender stopped meanwhile has its call cancelled at once.
   */
  void start() {
    stub.withDeadlineAfter(deadlineNanos(timeoutPerChunk, chunks.maxChunks()), TimeUnit.NANOSECONDS)
        .snapshot(this);
    ClientCallStreamObserver<io.rangedb.wire.proto.SnapshotChunk> call;
    synchronized (this) {
      call = done ? requests : null;
    }
    if (call != null) {
      call.cancel("the transport is closing", null); // harmless if the call already ended
    }
  }

  /**
   * The transport is closing: cancels the call and closes the image, waiting for a read in
   * progress, so that nothing reads it (or the storage under it) once this returns. Reports
   * nothing: the host is stopping too. A sender stopped before its call started has it cancelled as
   * soon as it starts.
   */
  void stop() {
    ClientCallStreamObserver<io.rangedb.wire.proto.SnapshotChunk> call;
    synchronized (this) {
      if (!done) {
        done = true;
        withdrawPaced();
        chunks.close();
      }
      call = requests;
    }
    sends.ended(this);
    if (call != null) {
      call.cancel("the transport is closing", null);
    }
  }

  static long deadlineNanos(Duration timeoutPerChunk, long chunks) {
    long perChunk = timeoutPerChunk.toNanos();
    long n = chunks + 1L;
    return perChunk > Long.MAX_VALUE / n ? Long.MAX_VALUE : perChunk * n;
  }

  @Override
  public synchronized void beforeStart(
      ClientCallStreamObserver<io.rangedb.wire.proto.SnapshotChunk> stream) {
    requests = stream;
    if (!done) { // stopped before the call began: the transport cancels it once it has started
      stream.setOnReadyHandler(this::pump);
    }
  }

  private synchronized void pump() {
    while (!done && !sentLast && paced == null && requests.isReady()) {
      SnapshotChunk c;
      try {
        c = chunks.next();
      } catch (RuntimeException e) {
        log.warn("could not read the image of group {} for node {}", groupId, peer, e);
        requests.onError(e); // cancels the call; onError below reports it
        return;
      }
      if (pacer != null && !pacer.tryTake(c.data().length, grant)) {
        paced = c;
        return;
      }
      send(c);
    }
  }

  /**
   * The pacer took the credit of the chunk that waited for it: it goes now, and the rest follow.
   */
  private synchronized void creditGranted() {
    SnapshotChunk c = paced;
    paced = null;
    if (c == null || done) {
      return;
    }
    send(c);
    pump();
  }

  /** The call ended while a chunk waited for credit: it will not be sent, so it takes none. */
  private void withdrawPaced() {
    if (paced != null) {
      paced = null;
      pacer.cancel(grant);
    }
  }

  private void send(SnapshotChunk c) {
    requests.onNext(RaftMessageCodec.encode(c, localNode));
    if (c.last()) {
      sentLast = true;
      requests.onCompleted();
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
      withdrawPaced();
      chunks.close();
    }
    sends.ended(this);
    receiver.snapshotStatus(groupId, peer, delivered);
  }
}
