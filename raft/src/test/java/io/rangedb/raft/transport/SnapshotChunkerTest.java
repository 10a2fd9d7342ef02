package io.rangedb.raft.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.Snapshot;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotChunkerTest {
  private static byte[] image(int size) {
    byte[] data = new byte[size];
    for (int i = 0; i < size; i++) {
      data[i] = (byte) i;
    }
    return data;
  }

  private static Envelope header() {
    Message m =
        Message.builder(MessageType.SNAP)
            .from(1)
            .to(2)
            .term(3)
            .snapshot(new Snapshot(40, 3, ConfState.ofVoters(1L, 2L, 3L), null))
            .build();
    return new Envelope(9, m);
  }

  /** An image source that counts what was read from it and whether it was closed. */
  private static final class CountingSource implements ImageSource {
    private final ImageSource inner;
    int bytesRead;
    boolean closed;

    CountingSource(byte[] image) {
      inner = ImageSource.of(image);
    }

    @Override
    public long sizeBytes() {
      return inner.sizeBytes();
    }

    @Override
    public byte[] read(int maxBytes) {
      byte[] b = inner.read(maxBytes);
      bytesRead += b.length;
      return b;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** A receiver whose sinks record each chunk written and how the stream ended. */
  private static final class Recorder implements Transport.Receiver {
    final List<Integer> chunkSizes = new ArrayList<>();
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Envelope header;
    String ending;

    @Override
    public void receive(long fromNode, List<Envelope> batch) {}

    @Override
    public void snapshotStatus(long groupId, long toNode, boolean delivered) {}

    @Override
    public ImageSink snapshotSink(long fromNode, Envelope h) {
      header = h;
      return new ImageSink() {
        @Override
        public void write(byte[] chunk) {
          chunkSizes.add(chunk.length);
          bytes.writeBytes(chunk);
        }

        @Override
        public void finish() {
          ending = "finished";
        }

        @Override
        public void abort() {
          ending = "aborted";
        }
      };
    }
  }

  @Test
  void readsTheImageAsChunksAreAskedForAndWritesEachIntoTheSinkAsItArrives() {
    byte[] data = image(1000);
    CountingSource source = new CountingSource(data);
    SnapshotChunker.Outgoing out = new SnapshotChunker.Outgoing(header(), source, 300);
    assertEquals(4, out.maxChunks());
    Recorder r = new Recorder();
    SnapshotChunker.Incoming in = new SnapshotChunker.Incoming(r, 1);

    SnapshotChunk first = out.next();
    assertEquals(600, source.bytesRead, "the first chunk, and one ahead to know it is not last");
    assertEquals(0, first.header().snapshot().data().length, "data travels in chunks");
    assertEquals(false, in.add(first));
    assertEquals(List.of(300), r.chunkSizes, "written before the next chunk exists");
    assertEquals(40, r.header.message().snapshot().index());
    assertEquals(9, r.header.groupId());

    List<SnapshotChunk> rest = new ArrayList<>();
    for (SnapshotChunk c = out.next(); c != null; c = out.next()) {
      assertNull(c.header());
      rest.add(c);
    }
    assertTrue(rest.get(2).last());
    assertTrue(source.closed, "the source is closed after its last chunk");
    for (SnapshotChunk c : rest) {
      in.add(c);
    }
    assertEquals(List.of(300, 300, 300, 100), r.chunkSizes);
    assertArrayEquals(data, r.bytes.toByteArray());
    assertEquals("finished", r.ending);
    in.abort();
    assertEquals("finished", r.ending, "a finished sink is never aborted");
  }

  @Test
  void anEmptyImageIsOneChunk() {
    SnapshotChunker.Outgoing out =
        new SnapshotChunker.Outgoing(header(), ImageSource.of(new byte[0]), 64);
    SnapshotChunk only = out.next();
    assertTrue(only.last());
    assertNull(out.next());
    Recorder r = new Recorder();
    assertTrue(new SnapshotChunker.Incoming(r, 1).add(only));
    assertEquals("finished", r.ending);
    assertEquals(List.of(), r.chunkSizes);
  }

  @Test
  void aMissingChunkBreaksTheStreamAndTheSinkDropsWhatItGot() {
    SnapshotChunker.Outgoing out =
        new SnapshotChunker.Outgoing(header(), ImageSource.of(image(1000)), 300);
    List<SnapshotChunk> chunks = new ArrayList<>();
    for (SnapshotChunk c = out.next(); c != null; c = out.next()) {
      chunks.add(c);
    }
    Recorder r = new Recorder();
    SnapshotChunker.Incoming in = new SnapshotChunker.Incoming(r, 1);
    in.add(chunks.get(0));
    assertThrows(IllegalStateException.class, () -> in.add(chunks.get(2)));
    in.abort();
    assertEquals("aborted", r.ending);
    assertThrows(IllegalStateException.class, () -> in.add(chunks.get(1)), "the stream is over");
  }

  @Test
  void aStreamWithoutItsHeaderIsRefusedBeforeAnySinkIsOpened() {
    SnapshotChunker.Outgoing out =
        new SnapshotChunker.Outgoing(header(), ImageSource.of(image(1000)), 300);
    out.next();
    SnapshotChunk second = out.next();
    Recorder r = new Recorder();
    assertThrows(IllegalStateException.class, () -> new SnapshotChunker.Incoming(r, 1).add(second));
    assertNull(r.header);
  }

  @Test
  void closingAStreamBeforeItsEndClosesTheSource() {
    CountingSource source = new CountingSource(image(1000));
    SnapshotChunker.Outgoing out = new SnapshotChunker.Outgoing(header(), source, 300);
    out.next();
    out.close();
    assertTrue(source.closed);
    assertNull(out.next());
  }

  @Test
  void anAssemblingSinkHandsOnTheWholeMessage() {
    byte[] data = image(1000);
    List<Envelope> handed = new ArrayList<>();
    AssemblingSink sink = AssemblingSink.ofMessage(header(), handed::add);
    sink.write(java.util.Arrays.copyOfRange(data, 0, 600));
    sink.write(java.util.Arrays.copyOfRange(data, 600, 1000));
    sink.finish();
    assertEquals(1, handed.size());
    assertEquals(9, handed.get(0).groupId());
    assertEquals(40, handed.get(0).message().snapshot().index());
    assertArrayEquals(data, handed.get(0).message().snapshot().data());
    assertThrows(IllegalStateException.class, () -> sink.write(new byte[1]));
  }
}
