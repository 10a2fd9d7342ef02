package io.rangedb.raft.host;

import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.Transport;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What the network brings a node, delivered at once or, while the node's process is paused, handed
 * to {@code hold} to deliver when it resumes (as its socket buffers would keep it). A snapshot
 * stream already under way goes on (its chunks are buffered on the way).
 */
record PausableReceiver(BooleanSupplier paused, Consumer<Runnable> hold, Transport.Receiver inner)
    implements Transport.Receiver {
  private void deliver(Runnable r) {
    if (paused.getAsBoolean()) {
      hold.accept(r);
    } else {
      r.run();
    }
  }

  @Override
  public void receive(long fromNode, List<Envelope> batch) {
    deliver(() -> inner.receive(fromNode, batch));
  }

  @Override
  public void snapshotStatus(long groupId, long toNode, boolean delivered) {
    deliver(() -> inner.snapshotStatus(groupId, toNode, delivered));
  }

  @Override
  public ImageSink snapshotSink(long fromNode, Envelope header) {
    return inner.snapshotSink(fromNode, header);
  }
}
