package io.rangedb.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RaftLogTest {
  private static List<Entry> entries(long from, long to) {
    return LongStream.rangeClosed(from, to)
        .mapToObj(i -> Entry.normal(1, i, new byte[100]))
        .toList();
  }

  /**
   * Scans of the unapplied tail (elections look for membership changes there) read it a page at a
   * time and still see every entry once, in order, across the durable and the unstable part.
   */
  @Test
  void pagedScanSeesEveryEntryInOrderAcrossStoredAndUnstable() {
    MemoryLogStorage storage = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L), null);
    MemoryLogBatch b = MemoryLogStorage.newBatch();
    storage.stage(b, null, entries(2, 31), null);
    b.commit();
    long pageBytes = 2 * entries(1, 1).get(0).sizeBytes() + 1; // two entries a page
    RaftLog log = new RaftLog(storage, pageBytes);
    log.append(entries(32, 40)); // unstable: not durable yet

    List<Long> seen = new ArrayList<>();
    for (Entry e : log.paged(3, 41)) {
      seen.add(e.index());
    }
    assertEquals(LongStream.rangeClosed(3, 40).boxed().toList(), seen);

    List<Long> none = new ArrayList<>();
    log.paged(10, 10).forEach(e -> none.add(e.index()));
    assertEquals(List.of(), none);
  }
}
