package io.rangedb.raft.transport;

import io.rangedb.raft.Message;
import io.rangedb.raft.Snapshot;

/**
 * Streams a snapshot in chunks of bounded size: the sender reads its image from an {@link
 * ImageSource} as chunks are asked for, the receiver writes each into an {@link ImageSink} as it
 * arrives, so neither holds more than a chunk or two of an image of any size.
 */
public final class SnapshotChunker {
  private SnapshotChunker() {}

  /** The sending side of one stream. Not thread-safe: one caller at a time. */
  public static final class Outgoing implements AutoCloseable {
    private final long groupId;
    private final Message header;
    private final ImageSource source;
    private final int chunkBytes;
    private byte[] next;
    private long offset;
    private boolean done;

    /**
     * @param snapshot the SNAP message; its snapshot's data, if any, is not sent (the image comes
     *     from {@code source})
     */
    public Outgoing(Envelope snapshot, ImageSource source, int chunkBytes) {
      if (chunkBytes <= 0) {
        throw new IllegalArgumentException("chunkBytes must be positive");
      }
      Message m = snapshot.message();
      Snapshot s = m.snapshot();
      this.groupId = snapshot.groupId();
      this.header =
          m.toBuilder().snapshot(new Snapshot(s.index(), s.term(), s.conf(), null)).build();
      this.source = source;
      this.chunkBytes = chunkBytes;
    }

    public long groupId() {
      return groupId;
    }

    /** How many chunks the stream will take at most, by the source's size estimate. */
    public long maxChunks() {
      return Math.max(1, (source.sizeBytes() + chunkBytes - 1) / chunkBytes);
    }

    /**
     * The next chunk, read from the source now; null after the last. The first carries the header
     * (the SNAP message without data); the last says so, which takes reading one chunk ahead.
     */
    public SnapshotChunk next() {
      if (done) {
        return null;
      }
      byte[] data = offset == 0 && next == null ? source.read(chunkBytes) : next;
      next = data.length == 0 ? data : source.read(chunkBytes);
      boolean last = next.length == 0;
      SnapshotChunk c = new SnapshotChunk(groupId, offset == 0 ? header : null, offset, data, last);
      offset += data.length;
      if (last) {
        done = true;
        source.close();
      }
      return c;
    }

    @Override
    public void close() {
      done = true;
      source.close();
    }
  }

  /** The receiving side of one stream: chunks must arrive in order, which a stream guarantees. */
  public static final class Incoming {
    private final Transport.Receiver receiver;
    private final long fromNode;
    private ImageSink sink;
    private long groupId = -1;
    private long offset;
    private boolean closed;

    public Incoming(Transport.Receiver receiver, long fromNode) {
      this.receiver = receiver;
      this.fromNode = fromNode;
    }

    /**
     * Writes the next chunk into the sink, opened at the first chunk; after the last one finishes
     * the sink and returns true. On any exception the caller must {@link #abort()}.
     *
     * @throws IllegalStateException if a chunk is missing, out of order or past the last
     */
    public boolean add(SnapshotChunk c) {
      if (closed) {
        throw new IllegalStateException("a snapshot chunk after the stream ended");
      }
      if (sink == null) {
        if (c.offset() != 0 || c.header() == null) {
          throw new IllegalStateException("the first snapshot chunk has no header");
        }
        groupId = c.groupId();
        sink = receiver.snapshotSink(fromNode, new Envelope(groupId, c.header()));
      } else if (c.offset() != offset || c.groupId() != groupId || c.header() != null) {
        throw new IllegalStateException("snapshot chunk out of order at offset " + c.offset());
      }
      if (c.data().length > 0) {
        sink.write(c.data());
      }
      offset += c.data().length;
      if (!c.last()) {
        return false;
      }
      sink.finish(); // if it throws, the caller's abort() still reaches the sink
      closed = true;
      return true;
    }

    /** The group of the stream, once its first chunk arrived; else -1. */
    public long groupId() {
      return groupId;
    }

    /** The stream broke: the sink drops what it was given. Does nothing once finished. */
    public void abort() {
      if (!closed && sink != null) {
        sink.abort();
      }
      closed = true;
    }
  }
}
