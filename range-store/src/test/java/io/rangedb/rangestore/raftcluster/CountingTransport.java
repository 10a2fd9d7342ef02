package io.rangedb.rangestore.raftcluster;

import io.rangedb.raft.MessageType;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.Transport;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** Counts the messages a host sends, by type, for the benchmark's breakdown. */
final class CountingTransport implements Transport {
  private final Transport delegate;
  private final AtomicLongArray counts = new AtomicLongArray(MessageType.values().length);

  CountingTransport(Transport delegate) {
    this.delegate = delegate;
  }

  @Override
  public void send(long toNode, List<Envelope> batch) {
    for (Envelope e : batch) {
      counts.incrementAndGet(e.message().type().ordinal());
    }
    delegate.send(toNode, batch);
  }

  @Override
  public void sendSnapshot(long toNode, Envelope snapshotMessage, ImageSource image) {
    counts.incrementAndGet(MessageType.SNAP.ordinal());
    delegate.sendSnapshot(toNode, snapshotMessage, image);
  }

  Map<MessageType, Long> counts() {
    Map<MessageType, Long> out = new EnumMap<>(MessageType.class);
    for (MessageType t : MessageType.values()) {
      out.put(t, counts.get(t.ordinal()));
    }
    return out;
  }

  /**
   * The messages sent between two counts (as {@link LocalRaftCluster#messagesSentByType()} gives
   * them), by type, per unit of work: " APP=2.00 APP_RESP=2.00 ...", types sent none of left out.
   */
  static String mixPer(Map<MessageType, Long> before, Map<MessageType, Long> after, double units) {
    StringBuilder mix = new StringBuilder();
    for (MessageType t : MessageType.values()) {
      long n = after.get(t) - before.get(t);
      if (n > 0) {
        mix.append(String.format(java.util.Locale.ROOT, " %s=%.2f", t, n / Math.max(1, units)));
      }
    }
    return mix.toString();
  }
}
