package io.rangedb.raft.transport;

import io.rangedb.raft.Message;
import io.rangedb.raft.Snapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a SNAP message into chunks of bounded size, so that a transport can stream a large state
 * machine image without holding it in one message, and assembles them back in order.
 */
public final class SnapshotChunker {
  private SnapshotChunker() {}

  public static List<SnapshotChunk> split(Envelope snap, int chunkBytes) {
    if (chunkBytes <= 0) {
      throw new IllegalArgumentException("chunkBytes must be positive");
    }
    Message m = snap.message();
    Snapshot s = m.snapshot();
    byte[] data = s.data();
    Message header =
        m.toBuilder().snapshot(new Snapshot(s.index(), s.term(), s.conf(), null)).build();
    List<SnapshotChunk> out = new ArrayList<>();
    int offset = 0;
    do {
      int end = Math.min(data.length, offset + chunkBytes);
      out.add(
          new SnapshotChunk(
              snap.groupId(),
              offset == 0 ? header : null,
              offset,
              Arrays.copyOfRange(data, offset, end),
              end == data.length));
      offset = end;
    } while (offset < data.length);
    return out;
  }

  /** Reassembles one snapshot stream; chunks must arrive in order (a stream guarantees it). */
  public static final class Assembler {
    private Message header;
    private long groupId;
    private final java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();

    /**
     * Adds the next chunk; returns the whole SNAP message after the last one, else null.
     *
     * @throws IllegalStateException if a chunk is missing or out of order
     */
    public Envelope add(SnapshotChunk c) {
      if (c.offset() == 0) {
        if (c.header() == null) {
          throw new IllegalStateException("first chunk without header");
        }
        header = c.header();
        groupId = c.groupId();
        data.reset();
      } else if (header == null || c.offset() != data.size() || c.groupId() != groupId) {
        throw new IllegalStateException("snapshot chunk out of order at offset " + c.offset());
      }
      data.writeBytes(c.data());
      if (!c.last()) {
        return null;
      }
      Snapshot meta = header.snapshot();
      Message whole =
          header.toBuilder()
              .snapshot(new Snapshot(meta.index(), meta.term(), meta.conf(), data.toByteArray()))
              .build();
      header = null;
      return new Envelope(groupId, whole);
    }
  }
}
