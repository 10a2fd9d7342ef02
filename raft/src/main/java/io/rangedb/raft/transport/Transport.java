package io.rangedb.raft.transport;

import java.util.List;

/**
 * Carries messages between nodes. Best effort: messages may be lost, delayed, duplicated or
 * reordered, which Raft tolerates. A host hands it, per destination node, one batch holding the
 * messages of every group for that node in one cycle, so that one stream per peer suffices.
 */
public interface Transport {

  /**
   * Sends a batch of messages (of any groups) to {@code toNode}. Must not block, and must be
   * thread-safe: a host calls it from its loop and from its syncer (which sends the
   * acknowledgements and votes of a write as soon as its fsync returns). The {@link
   * SimulatedNetwork} is the exception, as its simulation runs every task on one thread.
   */
  void send(long toNode, List<Envelope> batch);

  /**
   * Streams a snapshot to {@code toNode}: {@code snapshotMessage}'s metadata first, then {@code
   * image}'s bytes in chunks, read as the stream goes (not on the caller's thread); closes {@code
   * image} when the stream ends. Reports the outcome to the sender's {@link
   * Receiver#snapshotStatus} so the leader can stop waiting on it. Must not block.
   */
  void sendSnapshot(long toNode, Envelope snapshotMessage, ImageSource image);

  /** The receiving side, implemented by the host. */
  interface Receiver {
    /** A batch arrived from {@code fromNode}. */
    void receive(long fromNode, List<Envelope> batch);

    /** The snapshot for {@code groupId} sent to {@code toNode} was delivered, or failed. */
    void snapshotStatus(long groupId, long toNode, boolean delivered);

    /**
     * A snapshot stream from {@code fromNode} began with {@code header}, a SNAP message whose
     * snapshot holds no data: where its image's chunks go as they arrive. The sink's {@link
     * ImageSink#finish} hands the snapshot on. Called on the transport's thread, not a host's loop.
     * (An {@link AssemblingSink} assembles the image in memory and hands on the whole message.)
     *
     * @throws RuntimeException to refuse the stream
     */
    ImageSink snapshotSink(long fromNode, Envelope header);
  }
}
