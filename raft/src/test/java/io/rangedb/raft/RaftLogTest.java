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

  private static Entry conf(long term, long index) {
    return new Entry(term, index, EntryType.CONF_CHANGE, ConfChange.addLearner(9).encode());
  }

  /**
   * A candidate looks for membership changes in its unapplied log at every campaign; after a
   * restart that log may hold thousands of entries, and campaigns repeat until a leader is heard
   * from. The log remembers what it scanned: a second campaign reads only what was appended since,
   * an overwrite or a snapshot forgets what it replaced, and applied changes drop out.
   */
  @Test
  void unappliedMembershipChangesAreScannedOnceAndForgottenWhenReplaced() {
    MemoryLogStorage stored = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L), null);
    MemoryLogBatch b = MemoryLogStorage.newBatch();
    List<Entry> durable = new ArrayList<>(entries(2, 200));
    durable.set(49, conf(1, 51));
    durable.set(149, conf(1, 151));
    stored.stage(b, null, durable, null);
    b.commit();
    long[] reads = {0};
    LogStorage counting =
        new LogStorage() {
          @Override
          public HardState hardState() {
            return stored.hardState();
          }

          @Override
          public ConfState confState() {
            return stored.confState();
          }

          @Override
          public List<Entry> entries(long lo, long hi, long maxBytes) {
            List<Entry> out = stored.entries(lo, hi, maxBytes);
            reads[0] += out.size();
            return out;
          }

          @Override
          public long term(long index) {
            return stored.term(index);
          }

          @Override
          public long firstIndex() {
            return stored.firstIndex();
          }

          @Override
          public long lastIndex() {
            return stored.lastIndex();
          }

          @Override
          public Snapshot snapshot() {
            return stored.snapshot();
          }

          @Override
          public void stage(LogBatch batch, HardState hs, List<Entry> ents, Snapshot snap) {
            throw new UnsupportedOperationException();
          }

          @Override
          public void createSnapshot(long index, ConfState conf, byte[] data) {
            throw new UnsupportedOperationException();
          }

          @Override
          public void compact(long index) {
            throw new UnsupportedOperationException();
          }
        };
    RaftLog log = new RaftLog(counting, 1 << 20);

    assertEquals(List.of(51L, 151L), indexes(log.unappliedConfChanges(200)));
    assertEquals(199, reads[0], "the whole unapplied log, once");
    assertEquals(List.of(51L), indexes(log.unappliedConfChanges(100)), "up to a bound");
    assertEquals(List.of(51L, 151L), indexes(log.unappliedConfChanges(200)));
    assertEquals(199, reads[0], "nothing read again");

    log.append(List.of(conf(1, 201), Entry.normal(1, 202, new byte[1])));
    assertEquals(List.of(51L, 151L, 201L), indexes(log.unappliedConfChanges(202)));
    assertEquals(199, reads[0], "the new entries came from memory, the stored ones not again");

    // A new leader overwrites from 150: the change at 151 and the one at 201 are gone.
    log.append(List.of(Entry.normal(2, 150, new byte[1]), Entry.normal(2, 151, new byte[1])));
    assertEquals(List.of(51L), indexes(log.unappliedConfChanges(151)));

    log.appliedTo(60);
    assertEquals(List.of(), indexes(log.unappliedConfChanges(151)), "applied ones drop out");

    log.restore(new Snapshot(300, 3, ConfState.ofVoters(1L), null));
    assertEquals(List.of(), indexes(log.unappliedConfChanges(300)), "a snapshot replaces it all");
  }

  private static List<Long> indexes(java.util.Collection<Entry> ents) {
    return ents.stream().map(Entry::index).toList();
  }
}
