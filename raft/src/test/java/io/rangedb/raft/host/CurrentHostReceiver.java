package io.rangedb.raft.host;

import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.Transport;
import java.util.List;

/**
 * Delivers what a node's transport receives to the host object the node has now: a restart puts a
 * new one in {@code host[0]}, and the network keeps the receiver it was attached with.
 */
record CurrentHostReceiver(RaftHost[] host) implements Transport.Receiver {
  @Override
  public void receive(long fromNode, List<Envelope> batch) {
    host[0].receive(fromNode, batch);
  }

  @Override
  public void snapshotStatus(long groupId, long toNode, boolean delivered) {
    host[0].snapshotStatus(groupId, toNode, delivered);
  }

  @Override
  public ImageSink snapshotSink(long fromNode, Envelope header) {
    return host[0].snapshotSink(fromNode, header);
  }
}
