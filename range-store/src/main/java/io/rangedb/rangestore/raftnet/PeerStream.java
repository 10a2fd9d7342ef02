package io.rangedb.rangestore.raftnet;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.rangedb.rangestore.raftnet.RaftMessageCodec.EncodedBatch;
import io.rangedb.wire.proto.RaftBatchAck;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one long-lived stream from this node to one peer that carries every group's messages. Sends
 * never block: while the stream is not ready, batches wait in a queue bounded in bytes, and beyond
 * that they are dropped, which Raft tolerates (it retransmits). A batch larger than the peer takes
 * in one message (one Raft message alone, say an append of a huge entry) is dropped too, since
 * sending it would break the stream for every group. A broken stream is replaced on the next send;
 * the channel underneath reconnects with gRPC's own backoff.
 */
final class PeerStream {
  private static final Logger log = LoggerFactory.getLogger(PeerStream.class);

  private final long peer;
  private final Channel channel;
  private final long maxQueuedBytes;
  private final long maxMessageBytes;
  private final ArrayDeque<EncodedBatch> queue = new ArrayDeque<>();
  private long queuedBytes;
  private ClientCallStreamObserver<byte[]> out;
  private long dropped;
  private long oversized;
  private long broken;

  PeerStream(long peer, Channel channel, long maxQueuedBytes, long maxMessageBytes) {
    this.peer = peer;
    this.channel = channel;
    this.maxQueuedBytes = maxQueuedBytes;
    this.maxMessageBytes = maxMessageBytes;
  }

  synchronized void send(EncodedBatch batch) {
    if (batch.bytes().length > maxMessageBytes) {
      dropped += batch.messages();
      if (oversized++ == 0) {
        // Raft retransmits it at every probe: say it once, count the rest.
        log.warn(
            "dropping a Raft message of {} bytes to node {}: over the limit of {} per message",
            batch.bytes().length,
            peer,
            maxMessageBytes);
      }
      return;
    }
    if (out == null) {
      open();
    }
    if (queue.isEmpty() && out.isReady()) {
      out.onNext(batch.bytes());
      return;
    }
    int size = batch.bytes().length;
    if (queuedBytes + size > maxQueuedBytes) {
      dropped += batch.messages();
      return;
    }
    queue.add(batch);
    queuedBytes += size;
  }

  /** Messages dropped because the peer could not keep up or could not be reached. */
  synchronized long dropped() {
    return dropped;
  }

  /** Messages dropped because one alone was over the per-message limit. */
  synchronized long oversized() {
    return oversized;
  }

  /**
   * Streams that failed: the peer closed or refused them, or it went silent past the channel's
   * keepalive timeout (then gRPC fails the stream with UNAVAILABLE and the channel reconnects).
   */
  synchronized long broken() {
    return broken;
  }

  synchronized void close() {
    if (out != null) {
      out.onCompleted();
      out = null;
    }
    queue.clear();
    queuedBytes = 0;
  }

  private void open() {
    Observer observer = new Observer();
    ClientCalls.asyncBidiStreamingCall(
        channel.newCall(RaftStreamMethod.STREAM, CallOptions.DEFAULT), observer);
    out = observer.requests;
  }

  private synchronized void drain(Observer from) {
    if (out != from.requests) {
      return;
    }
    while (!queue.isEmpty() && out.isReady()) {
      EncodedBatch b = queue.poll();
      queuedBytes -= b.bytes().length;
      out.onNext(b.bytes());
    }
  }

  private synchronized void broken(Observer from, Throwable t) {
    if (out != from.requests) {
      return;
    }
    out = null;
    broken++;
    for (EncodedBatch b : queue) {
      dropped += b.messages();
    }
    queue.clear();
    queuedBytes = 0;
    if (t != null) {
      log.debug("Raft stream to node {} broke: {}", peer, t.toString());
    }
  }

  private final class Observer implements ClientResponseObserver<byte[], RaftBatchAck> {
    private ClientCallStreamObserver<byte[]> requests;

    @Override
    public void beforeStart(ClientCallStreamObserver<byte[]> requestStream) {
      requests = requestStream;
      requestStream.setOnReadyHandler(() -> drain(this));
    }

    @Override
    public void onNext(RaftBatchAck ack) {}

    @Override
    public void onError(Throwable t) {
      broken(this, t);
    }

    @Override
    public void onCompleted() {
      broken(this, null);
    }
  }
}
