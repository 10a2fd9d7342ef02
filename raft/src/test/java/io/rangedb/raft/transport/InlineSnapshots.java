package io.rangedb.raft.transport;

/** Streams a snapshot to a receiver at once, on the caller's thread: for tests' own transports. */
public final class InlineSnapshots {
  private InlineSnapshots() {}

  /** Chunks {@code image} into {@code to}'s sink as a transport would, and closes it. */
  public static void deliver(
      Envelope snapshot, ImageSource image, long fromNode, Transport.Receiver to) {
    try (SnapshotChunker.Outgoing out = new SnapshotChunker.Outgoing(snapshot, image, 4096)) {
      SnapshotChunker.Incoming in = new SnapshotChunker.Incoming(to, fromNode);
      try {
        for (SnapshotChunk c = out.next(); c != null; c = out.next()) {
          in.add(c);
        }
      } finally {
        in.abort();
      }
    }
  }
}
