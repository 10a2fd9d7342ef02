package io.rangedb.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryLogStorageTest {
  private static Entry e(long term, long index) {
    return Entry.normal(term, index, new byte[] {(byte) index});
  }

  private static void write(LogStorage s, HardState hs, List<Entry> ents, Snapshot snap) {
    MemoryLogBatch b = MemoryLogStorage.newBatch();
    s.stage(b, hs, ents, snap);
    b.commit();
  }

  @Test
  void nothingIsVisibleBeforeTheBatchCommits() {
    MemoryLogStorage s = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L), null);
    MemoryLogBatch b = MemoryLogStorage.newBatch();
    s.stage(b, new HardState(2, 1, 1), List.of(e(2, 2), e(2, 3)), null);
    assertEquals(1, s.lastIndex());
    assertEquals(1, s.hardState().term());
    b.commit();
    assertEquals(3, s.lastIndex());
    assertEquals(new HardState(2, 1, 1), s.hardState());
  }

  @Test
  void aRunOfEntriesWithAHoleIsRefusedAndNothingIsStaged() {
    MemoryLogStorage s = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L), null);
    MemoryLogBatch b = MemoryLogStorage.newBatch();
    assertThrows(
        IllegalArgumentException.class,
        () -> s.stage(b, new HardState(2, 1, 1), List.of(e(2, 2), e(2, 4)), null));
    b.commit();
    assertEquals(1, s.lastIndex());
    assertEquals(1, s.hardState().term(), "the hard state staged with them neither");
  }

  @Test
  void oneBatchCarriesManyLogs() {
    MemoryLogStorage a = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L), null);
    MemoryLogStorage b = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L), null);
    MemoryLogBatch batch = MemoryLogStorage.newBatch();
    a.stage(batch, null, List.of(e(1, 2)), null);
    b.stage(batch, null, List.of(e(1, 2), e(1, 3)), null);
    batch.commit();
    assertEquals(2, a.lastIndex());
    assertEquals(3, b.lastIndex());
  }

  @Test
  void appendTruncatesAConflictingSuffix() {
    MemoryLogStorage s = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L), null);
    write(s, null, List.of(e(1, 2), e(1, 3), e(1, 4)), null);
    write(s, null, List.of(e(2, 3)), null);
    assertEquals(3, s.lastIndex());
    assertEquals(2, s.term(3));
    assertThrows(IllegalStateException.class, () -> write(s, null, List.of(e(2, 9)), null));
  }

  @Test
  void compactionKeepsTheTermOfTheCompactionPoint() {
    MemoryLogStorage s = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L), null);
    write(s, null, List.of(e(1, 2), e(2, 3), e(2, 4), e(3, 5)), null);
    s.createSnapshot(4, ConfState.ofVoters(1L), new byte[] {7});
    s.compact(3);
    assertEquals(4, s.firstIndex());
    assertEquals(2, s.term(3));
    assertThrows(LogCompactedException.class, () -> s.term(2));
    assertThrows(LogCompactedException.class, () -> s.entries(3, 5, 100));
    assertEquals(2, s.entries(4, 6, Long.MAX_VALUE).size());
    assertEquals(1, s.entries(4, 6, 1).size(), "at least one entry even over the size limit");
    assertThrows(IllegalArgumentException.class, () -> s.compact(5), "beyond the snapshot");
    assertEquals(4, s.snapshot().index());
  }

  @Test
  void aSnapshotReplacesTheLog() {
    MemoryLogStorage s = new MemoryLogStorage();
    write(s, null, null, new Snapshot(10, 4, ConfState.ofVoters(1L, 2L), new byte[] {1}));
    assertEquals(11, s.firstIndex());
    assertEquals(10, s.lastIndex());
    assertEquals(4, s.term(10));
    assertEquals(ConfState.ofVoters(1L, 2L), s.confState());
    write(s, null, List.of(e(4, 9), e(4, 10), e(5, 11)), null);
    assertEquals(11, s.lastIndex(), "entries before the snapshot are skipped");
  }
}
