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
    c.add(1, entries(1, 5, 9));
    assertEquals(entries(1, 5, 9), c.get(1, 5, 10, Long.MAX_VALUE));
    assertEquals(entries(1, 6, 7), c.get(1, 6, 8, Long.MAX_VALUE));
    assertNull(c.get(1, 4, 8, Long.MAX_VALUE), "entry 4 was never added");
    assertNull(c.get(1, 8, 11, Long.MAX_VALUE), "entry 10 was never added");
    assertNull(c.get(2, 5, 6, Long.MAX_VALUE), "another group");
    assertEquals(1, c.term(1, 7));
    assertEquals(-1, c.term(1, 10));
  }

  @Test
  void aByteLimitStillReturnsOneEntry() {
    EntryCache c = new EntryCache(1 << 20);
    c.add(1, entries(1, 1, 10));
    long one = entries(1, 1, 1).get(0).sizeBytes();
    assertEquals(1, c.get(1, 1, 11, 1).size());
    assertEquals(3, c.get(1, 1, 11, 3 * one).size());
  }

  @Test
  void anOverwriteReplacesTheSuffixAndAGapStartsOver() {
    EntryCache c = new EntryCache(1 << 20);
    c.add(1, entries(1, 1, 10));
    c.add(1, entries(2, 6, 7));
    assertEquals(
        List.of(entries(1, 1, 5), entries(2, 6, 7)).stream().flatMap(List::stream).toList(),
        c.get(1, 1, 8, Long.MAX_VALUE));
    assertNull(c.get(1, 8, 9, Long.MAX_VALUE), "entries 8 to 10 of the old term are gone");
    assertEquals(size(entries(1, 1, 5)) + size(entries(2, 6, 7)), c.bytes());
    c.add(1, entries(3, 20, 21));
    assertNull(c.get(1, 7, 8, Long.MAX_VALUE), "a gap: what came before is dropped");
    assertEquals(entries(3, 20, 21), c.get(1, 20, 22, Long.MAX_VALUE));
    assertEquals(size(entries(3, 20, 21)), c.bytes());
  }

  @Test
  void compactionAndClearForgetEntries() {
    EntryCache c = new EntryCache(1 << 20);
    c.add(1, entries(1, 1, 200));
    c.compactTo(1, 150);
    assertNull(c.get(1, 150, 151, Long.MAX_VALUE));
    assertEquals(entries(1, 151, 200), c.get(1, 151, 201, Long.MAX_VALUE));
    assertEquals(size(entries(1, 151, 200)), c.bytes());
    c.add(1, entries(1, 201, 201));
    assertEquals(entries(1, 151, 201), c.get(1, 151, 202, Long.MAX_VALUE));
    c.clear(1);
    assertNull(c.get(1, 151, 152, Long.MAX_VALUE));
    assertEquals(0, c.bytes());
  }

  @Test
  void releasedEntriesLeaveButTheGroupsNextEntriesExtendWhatIsLeft() {
    EntryCache c = new EntryCache(1 << 20);
    c.add(1, entries(1, 1, 10));
    c.releaseThrough(1, 9);
    assertNull(c.get(1, 9, 10, Long.MAX_VALUE), "released");
    assertEquals(size(entries(1, 10, 10)), c.bytes());
    c.add(1, entries(1, 11, 12));
    assertEquals(entries(1, 10, 12), c.get(1, 10, 13, Long.MAX_VALUE));
    c.releaseThrough(1, 12);
    assertEquals(0, c.bytes());
    c.add(1, entries(1, 13, 13));
    assertEquals(entries(1, 13, 13), c.get(1, 13, 14, Long.MAX_VALUE), "an emptied run goes on");
    c.releaseThrough(2, 5); // a group the cache does not hold: nothing happens
    assertEquals(size(entries(1, 13, 13)), c.bytes());
  }

  @Test
  void theBudgetEvictsTheLeastRecentlyUsedGroupsFirst() {
    long tenEntries = size(entries(1, 1, 10));
    EntryCache c = new EntryCache(3 * tenEntries);
    c.add(1, entries(1, 1, 10));
    c.add(2, entries(1, 1, 10));
    c.add(3, entries(1, 1, 10));
    c.get(1, 1, 2, Long.MAX_VALUE); // group 1 is now more recent than group 2
    c.add(4, entries(1, 1, 10));
    assertNull(c.get(2, 1, 2, Long.MAX_VALUE), "group 2 was the least recently used");
    assertEquals(entries(1, 1, 10), c.get(1, 1, 11, Long.MAX_VALUE));
    assertEquals(entries(1, 1, 10), c.get(4, 1, 11, Long.MAX_VALUE));
    assertTrue(c.bytes() <= 3 * tenEntries);
  }

  @Test
  void aGroupLargerThanTheBudgetKeepsItsNewestEntries() {
    long tenEntries = size(entries(1, 1, 10));
    EntryCache c = new EntryCache(tenEntries);
    c.add(1, entries(1, 1, 30));
    assertTrue(c.bytes() <= tenEntries);
    assertNull(c.get(1, 1, 2, Long.MAX_VALUE));
    assertEquals(entries(1, 30, 30), c.get(1, 30, 31, Long.MAX_VALUE));
  }

  @Test
  void aZeroBudgetHoldsNothing() {
    EntryCache c = new EntryCache(0);
    c.add(1, entries(1, 1, 3));
    assertNull(c.get(1, 1, 2, Long.MAX_VALUE));
    assertEquals(0, c.bytes());
  }
}
