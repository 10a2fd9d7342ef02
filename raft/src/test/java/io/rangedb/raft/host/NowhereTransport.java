package io.rangedb.raft.host;

import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.Transport;
import java.util.List;

/** A transport for a host with no peers to reach: what it sends is dropped. */
final class NowhereTransport implements Transport {
  @Override
  public void send(long toNode, List<Envelope> batch) {}

  @Override
  public void sendSnapshot(long toNode, Envelope snapshotMessage, ImageSource image) {
    image.close();
  }
}
