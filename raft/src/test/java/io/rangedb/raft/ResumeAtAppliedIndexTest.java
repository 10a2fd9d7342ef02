package io.rangedb.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A replica built with {@link RaftConfig#applied()} (a state machine that keeps its state itself
 * resumes where it stands) has the membership its applied changes made, though the host will not
 * apply them again: the core takes those between the log's snapshot and that index from the log.
 * Written by reviewer helper-22.
 */
class ResumeAtAppliedIndexTest {

  private static Entry cc(long index, ConfChange c) {
    return new Entry(1, index, EntryType.CONF_CHANGE, c.encode());
  }

  private static Entry cmd(long index) {
    return Entry.normal(1, index, new byte[] {(byte) index});
  }

  private static ConfChange explicitJoint(long add) {
    return new ConfChange(
        ConfChange.Transition.JOINT_EXPLICIT,
        List.of(new ConfChange.Change(ConfChange.ChangeType.ADD_VOTER, add)));
  }

  /** Voters 1,2,3 at the bootstrap snapshot, then the given entries, all committed. */
  private static MemoryLogStorage log(List<Entry> entries, long commit) {
    MemoryLogStorage s = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L, 2L, 3L), null);
    MemoryLogBatch b = MemoryLogStorage.newBatch();
    s.stage(b, new HardState(1, 0, commit), entries, null);
    b.commit();
    return s;
  }

  private static final List<Entry> ENTRIES =
      List.of(
          cc(2, ConfChange.addVoter(4)), // {1,2,3,4}
          cmd(3),
          cc(4, ConfChange.replaceVoter(1, 5)), // joint, auto-leave
          cmd(5),
          cc(6, ConfChange.addVoter(6)), // invalid in a joint config: ignored
          cc(7, ConfChange.leaveJoint()), // {2,3,4,5}
          cc(8, ConfChange.leaveJoint()), // invalid: not joint
          cc(9, ConfChange.addLearner(7)),
          cc(10, explicitJoint(6)), // joint, explicit leave
          cc(11, ConfChange.remove(3)), // invalid in joint
          cmd(12),
          cc(13, ConfChange.leaveJoint()),
          cc(14, ConfChange.remove(2)));

  /** What a replica applying every entry in order has after each index (as a host does). */
  private static List<ConfState> appliedInOrder(MemoryLogStorage s, long[] ignored) {
    List<ConfState> after = new ArrayList<>();
    RawNode n = new RawNode(RaftConfig.defaults(1), s, new SplittableRandom(1));
    after.add(null);
    after.add(n.confState()); // index 1
    while (n.hasReady()) {
      Ready rd = n.ready();
      for (Entry e : rd.committedEntries()) {
        if (e.type() == EntryType.CONF_CHANGE) {
          n.applyConfChange(ConfChange.decode(e.data()));
        }
        after.add(n.confState());
        ignored[(int) e.index()] = n.ignoredConfChanges();
      }
      n.advance(rd);
    }
    return after;
  }

  @Test
  void everyResumePointHasTheMembershipAppliedThrough() {
    long[] ignored = new long[ENTRIES.size() + 2];
    List<ConfState> expected = appliedInOrder(log(ENTRIES, 14), ignored);
    for (long applied = 1; applied <= 14; applied++) {
      RawNode r =
          new RawNode(
              RaftConfig.defaults(1).withApplied(applied),
              log(ENTRIES, 14),
              new SplittableRandom(2));
      assertEquals(expected.get((int) applied), r.confState(), "resumed at " + applied);
      assertEquals(ignored[(int) applied], r.ignoredConfChanges(), "ignored at " + applied);
      // The rest applied by the host afterwards ends where the first replica did.
      while (r.hasReady()) {
        Ready rd = r.ready();
        for (Entry e : rd.committedEntries()) {
          if (e.type() == EntryType.CONF_CHANGE) {
            r.applyConfChange(ConfChange.decode(e.data()));
          }
        }
        r.advance(rd);
      }
      assertEquals(expected.get(14), r.confState(), "after the rest, resumed at " + applied);
    }
  }

  /**
   * The log of {@link #ENTRIES} as the host compacts it: a snapshot at its applied index (7) with
   * the membership then ({@code expected}), the older half dropped.
   */
  private static MemoryLogStorage compactedAtSeven(List<ConfState> expected) {
    MemoryLogStorage s = log(ENTRIES, 14);
    s.createSnapshot(7, expected.get(7), new byte[0]);
    s.compact(4);
    return s;
  }

  @Test
  void resumePastACompactionSnapshotReplaysOnlyWhatFollowsIt() {
    List<ConfState> expected = appliedInOrder(log(ENTRIES, 14), new long[ENTRIES.size() + 2]);
    MemoryLogStorage s = compactedAtSeven(expected);
    for (long applied = 7; applied <= 14; applied++) {
      RawNode r =
          new RawNode(RaftConfig.defaults(1).withApplied(applied), s, new SplittableRandom(2));
      assertEquals(expected.get((int) applied), r.confState(), "resumed at " + applied);
    }
  }

  /**
   * After a restart the candidate counts in the configuration its log leads to: applied {1,2} (3
   * removed at 2), and its log holds the uncommitted removal of 2 at 3, so it is alone.
   */
  @Test
  void aCandidateRightAfterRestartCountsInItsLogsNewestConfiguration() {
    MemoryLogStorage s = log(List.of(cc(2, ConfChange.remove(3)), cc(3, ConfChange.remove(2))), 1);
    RawNode r = new RawNode(RaftConfig.defaults(1).withApplied(2), s, new SplittableRandom(3));
    assertEquals(ConfState.ofVoters(1L, 2L), r.confState());
    r.campaign();
    assertEquals(Role.LEADER, r.role(), "{1} alone elects it; without the replay {1,3}");
  }

  /**
   * An applied index below the log's snapshot is refused: entries up to the snapshot would be
   * handed out again (or skipped), and a change the snapshot's membership already holds applied a
   * second time (here 6, ignored in the joint configuration it was committed in, would pass as a
   * simple change, and the leave at 7 would then be ignored).
   */
  @Test
  void anAppliedIndexBelowTheSnapshotIsRefused() {
    MemoryLogStorage s =
        compactedAtSeven(appliedInOrder(log(ENTRIES, 14), new long[ENTRIES.size() + 2]));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> new RawNode(RaftConfig.defaults(1).withApplied(5), s, new SplittableRandom(2)));
    assertTrue(e.getMessage().contains("behind the log's snapshot at 7"), e.getMessage());
  }
}
