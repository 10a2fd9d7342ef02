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
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotChunkerTest {
  private static Envelope snap(int size) {
    byte[] data = new byte[size];
    for (int i = 0; i < size; i++) {
      data[i] = (byte) i;
    }
    Message m =
        Message.builder(MessageType.SNAP)
            .from(1)
            .to(2)
            .term(3)
            .snapshot(new Snapshot(40, 3, ConfState.ofVoters(1L, 2L, 3L), data))
            .build();
    return new Envelope(9, m);
  }

  @Test
  void splitsIntoBoundedChunksAndReassembles() {
    Envelope e = snap(1000);
    List<SnapshotChunk> chunks = SnapshotChunker.split(e, 300);
    assertEquals(4, chunks.size());
    assertTrue(chunks.stream().allMatch(c -> c.data().length <= 300));
    assertEquals(0, chunks.get(0).header().snapshot().data().length, "data travels in chunks");
    assertNull(chunks.get(1).header());
    assertTrue(chunks.get(3).last());
    SnapshotChunker.Assembler a = new SnapshotChunker.Assembler();
    Envelope whole = null;
    for (SnapshotChunk c : chunks) {
      whole = a.add(c);
    }
    assertEquals(9, whole.groupId());
    assertEquals(e.message().snapshot(), whole.message().snapshot());
    assertArrayEquals(e.message().snapshot().data(), whole.message().snapshot().data());
  }

  @Test
  void emptySnapshotIsOneChunk() {
    List<SnapshotChunk> chunks = SnapshotChunker.split(snap(0), 64);
    assertEquals(1, chunks.size());
    assertTrue(chunks.get(0).last());
    assertEquals(
        40, new SnapshotChunker.Assembler().add(chunks.get(0)).message().snapshot().index());
  }

  @Test
  void aMissingChunkBreaksTheStream() {
    List<SnapshotChunk> chunks = SnapshotChunker.split(snap(1000), 300);
    SnapshotChunker.Assembler a = new SnapshotChunker.Assembler();
    a.add(chunks.get(0));
    assertThrows(IllegalStateException.class, () -> a.add(chunks.get(2)));
  }
}
