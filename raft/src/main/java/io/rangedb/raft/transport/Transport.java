package io.rangedb.raft.transport;

import java.util.List;

/**
 * Carries messages between nodes. Best effort: messages may be lost, delayed, duplicated or
 * reordered, which Raft tolerates. A host hands it, per destination node, one batch holding the
 * messages of every group for that node in one cycle, so that one stream per peer suffices.
 */
public interface Transport {

  /** Sends a batch of messages (of any groups) to {@code toNode}. Must not block. */
  void send(long toNode, List<Envelope> batch);

  /**
   * Streams a snapshot message (its data in chunks) to {@code toNode}; reports the outcome to the
   * sender's {@link Receiver#snapshotStatus} so the leader can stop waiting on it.
   */
  void sendSnapshot(long toNode, Envelope snapshotMessage);

  /** The receiving side, implemented by the host. */
  interface Receiver {
    /** A batch arrived from {@code fromNode}. */
    void receive(long fromNode, List<Envelope> batch);

    /** The snapshot for {@code groupId} sent to {@code toNode} was delivered, or failed. */
    void snapshotStatus(long groupId, long toNode, boolean delivered);
  }
}
