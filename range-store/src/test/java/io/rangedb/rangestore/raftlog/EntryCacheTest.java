package io.rangedb.rangestore.raftlog;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.Entry;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class EntryCacheTest {
  private static List<Entry> entries(long term, long from, long to) {
    return LongStream.rangeClosed(from, to)
        .mapToObj(i -> Entry.normal(term, i, ("cmd" + i).getBytes(UTF_8)))
        .toList();
  }

  private static long size(List<Entry> es) {
    return es.stream().mapToLong(Entry::sizeBytes).sum();
  }

  @Test
  void servesOnlyRangesItHoldsWhole() {
    EntryCache c = new EntryCache(1 << 20);
    c.run(1).add(entries(1, 5, 9));
    assertEquals(entries(1, 5, 9), c.run(1).get(5, 10, Long.MAX_VALUE));
    assertEquals(entries(1, 6, 7), c.run(1).get(6, 8, Long.MAX_VALUE));
    assertNull(c.run(1).get(4, 8, Long.MAX_VALUE), "entry 4 was never added");
    assertNull(c.run(1).get(8, 11, Long.MAX_VALUE), "entry 10 was never added");
    assertNull(c.run(2).get(5, 6, Long.MAX_VALUE), "another group");
    assertEquals(1, c.run(1).term(7));
    assertEquals(-1, c.run(1).term(10));
  }

  @Test
  void aByteLimitStillReturnsOneEntry() {
    EntryCache c = new EntryCache(1 << 20);
    c.run(1).add(entries(1, 1, 10));
    long one = entries(1, 1, 1).get(0).sizeBytes();
    assertEquals(1, c.run(1).get(1, 11, 1).size());
    assertEquals(3, c.run(1).get(1, 11, 3 * one).size());
  }

  @Test
  void anOverwriteReplacesTheSuffixAndAGapStartsOver() {
    EntryCache c = new EntryCache(1 << 20);
    c.run(1).add(entries(1, 1, 10));
    c.run(1).add(entries(2, 6, 7));
    assertEquals(
        List.of(entries(1, 1, 5), entries(2, 6, 7)).stream().flatMap(List::stream).toList(),
        c.run(1).get(1, 8, Long.MAX_VALUE));
    assertNull(c.run(1).get(8, 9, Long.MAX_VALUE), "entries 8 to 10 of the old term are gone");
    assertEquals(size(entries(1, 1, 5)) + size(entries(2, 6, 7)), c.bytes());
    c.run(1).add(entries(3, 20, 21));
    assertNull(c.run(1).get(7, 8, Long.MAX_VALUE), "a gap: what came before is dropped");
    assertEquals(entries(3, 20, 21), c.run(1).get(20, 22, Long.MAX_VALUE));
    assertEquals(size(entries(3, 20, 21)), c.bytes());
  }

  @Test
  void compactionAndClearForgetEntries() {
    EntryCache c = new EntryCache(1 << 20);
    c.run(1).add(entries(1, 1, 200));
    c.run(1).releaseThrough(150);
    assertNull(c.run(1).get(150, 151, Long.MAX_VALUE));
    assertEquals(entries(1, 151, 200), c.run(1).get(151, 201, Long.MAX_VALUE));
    assertEquals(size(entries(1, 151, 200)), c.bytes());
    c.run(1).add(entries(1, 201, 201));
    assertEquals(entries(1, 151, 201), c.run(1).get(151, 202, Long.MAX_VALUE));
    c.run(1).clear();
    assertNull(c.run(1).get(151, 152, Long.MAX_VALUE));
    assertEquals(0, c.bytes());
  }

  @Test
  void releasedEntriesLeaveButTheGroupsNextEntriesExtendWhatIsLeft() {
    EntryCache c = new EntryCache(1 << 20);
    c.run(1).add(entries(1, 1, 10));
    c.run(1).releaseThrough(9);
    assertNull(c.run(1).get(9, 10, Long.MAX_VALUE), "released");
    assertEquals(size(entries(1, 10, 10)), c.bytes());
    c.run(1).add(entries(1, 11, 12));
    assertEquals(entries(1, 10, 12), c.run(1).get(10, 13, Long.MAX_VALUE));
    c.run(1).releaseThrough(12);
    assertEquals(0, c.bytes());
    c.run(1).add(entries(1, 13, 13));
    assertEquals(
        entries(1, 13, 13), c.run(1).get(13, 14, Long.MAX_VALUE), "an emptied run goes on");
    c.run(2).releaseThrough(5); // a group the cache does not hold: nothing happens
    assertEquals(size(entries(1, 13, 13)), c.bytes());
  }

  @Test
  void pastTheBudgetAGroupUsedSinceTheLastSweepOutlastsOneThatWasNot() {
    long tenEntries = size(entries(1, 1, 10));
    EntryCache c = new EntryCache(3 * tenEntries);
    c.run(1).add(entries(1, 1, 10));
    c.run(2).add(entries(1, 1, 10));
    c.run(3).add(entries(1, 1, 10));
    // Over budget: the sweep clears every group's mark, then empties the first it meets again.
    c.run(4).add(entries(1, 1, 10));
    assertEquals(3 * tenEntries, c.bytes());
    assertNull(c.run(1).get(1, 2, Long.MAX_VALUE));
    c.run(2).get(1, 2, Long.MAX_VALUE); // group 2 is used again, group 3 is not
    c.run(5).add(entries(1, 1, 10));
    assertNull(c.run(3).get(1, 2, Long.MAX_VALUE), "group 3 was not used since the sweep");
    assertEquals(entries(1, 1, 10), c.run(2).get(1, 11, Long.MAX_VALUE));
    assertEquals(entries(1, 1, 10), c.run(4).get(1, 11, Long.MAX_VALUE));
    assertEquals(entries(1, 1, 10), c.run(5).get(1, 11, Long.MAX_VALUE));
    assertEquals(3 * tenEntries, c.bytes());
  }

  @Test
  void aGroupAloneOverTheBudgetKeepsItsNewestEntriesAndTheOthersTheirs() {
    long tenEntries = size(entries(1, 1, 10));
    EntryCache c = new EntryCache(3 * tenEntries);
    for (long g = 2; g <= 50; g++) {
      c.run(g).add(entries(1, 1, 1));
      c.run(g).releaseThrough(1); // many groups, all emptied by Raft
    }
    c.run(1).add(entries(1, 1, 40)); // a leader whose follower lags
    assertTrue(c.bytes() <= 3 * tenEntries);
    assertNull(c.run(1).get(1, 2, Long.MAX_VALUE), "its oldest entries went");
    assertEquals(entries(1, 20, 40), c.run(1).get(20, 41, Long.MAX_VALUE));
    c.run(2).add(entries(1, 2, 2));
    c.run(1).add(entries(1, 41, 41));
    assertEquals(entries(1, 2, 2), c.run(2).get(2, 3, Long.MAX_VALUE), "used since the sweep");
    assertTrue(c.bytes() <= 3 * tenEntries);
  }

  @Test
  void aGroupThatLeftTheStoreCachesNothingMore() {
    EntryCache c = new EntryCache(1 << 20);
    EntryCache.Run old = c.run(1);
    old.add(entries(1, 1, 10));
    c.remove(1);
    assertEquals(0, c.bytes());
    old.add(entries(1, 11, 12)); // a stale handle
    assertEquals(0, c.bytes());
    assertNull(c.run(1).get(1, 2, Long.MAX_VALUE), "a replica created again starts empty");
    c.run(1).add(entries(2, 1, 1));
    assertEquals(entries(2, 1, 1), c.run(1).get(1, 2, Long.MAX_VALUE));
  }

  @Test
  void aGroupLargerThanTheBudgetKeepsItsNewestEntries() {
    long tenEntries = size(entries(1, 1, 10));
    EntryCache c = new EntryCache(tenEntries);
    c.run(1).add(entries(1, 1, 30));
    assertTrue(c.bytes() <= tenEntries);
    assertNull(c.run(1).get(1, 2, Long.MAX_VALUE));
    assertEquals(entries(1, 30, 30), c.run(1).get(30, 31, Long.MAX_VALUE));
  }

  @Test
  void aZeroBudgetHoldsNothing() {
    EntryCache c = new EntryCache(0);
    c.run(1).add(entries(1, 1, 3));
    assertNull(c.run(1).get(1, 2, Long.MAX_VALUE));
    assertEquals(0, c.bytes());
  }
}
