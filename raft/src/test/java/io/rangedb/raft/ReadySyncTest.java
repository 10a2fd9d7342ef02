package io.rangedb.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What a Ready writes: a new term or vote and entries, never a commit index on its own; and how a
 * restart makes up for the commit index it did not write.
 */
class ReadySyncTest {

  /** Persists a Ready into the storage, as a host does, and advances. */
  private static void persist(RawNode node, MemoryLogStorage storage, Ready rd) {
    MemoryLogBatch batch = MemoryLogStorage.newBatch();
    storage.stage(batch, rd.hardState(), rd.entries(), rd.snapshot());
    batch.commit();
    node.advance(rd);
  }

  /** A single-voter group that elected itself and committed its no-op and one command. */
  private static RawNode leaderWithOneCommand(MemoryLogStorage storage) {
    RawNode node = new RawNode(RaftConfig.defaults(1), storage, new SplittableRandom(1));
    node.campaign();
    Ready election = node.ready();
    assertNotNull(election.hardState(), "a new term and vote are promises");
    assertTrue(election.mustPersist());
    persist(node, storage, election);
    drain(node, storage);
    node.propose(new byte[] {42});
    drain(node, storage);
    return node;
  }

  @Test
  void termAndVoteAreWrittenButACommitIndexAloneIsNot() {
    MemoryLogStorage storage = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L), null);
    RawNode node = new RawNode(RaftConfig.defaults(1), storage, new SplittableRandom(1));
    node.campaign();
    persist(node, storage, node.ready());
    drain(node, storage);

    node.propose(new byte[] {42});
    Ready append = node.ready();
    assertFalse(append.entries().isEmpty());
    assertNull(append.hardState(), "same term and vote: only the entry is written");
    assertTrue(append.mustPersist(), "entries are promises");
    persist(node, storage, append);

    assertTrue(node.hasReady(), "the entry committed and must be applied");
    Ready commit = node.ready();
    assertEquals(append.entries().get(0).index(), commit.committedEntries().get(0).index());
    assertNull(commit.hardState(), "a commit index alone is not written");
    assertFalse(commit.mustPersist(), "nothing to write, so nothing to fsync");
    persist(node, storage, commit);
    assertFalse(node.hasReady());
    assertTrue(
        storage.hardState().commit() < node.commitIndex(),
        "the stored commit index lags: " + storage.hardState() + " vs " + node.commitIndex());
  }

  @Test
  void aRestartCountsWhatTheStateMachineAppliedAsCommitted() {
    MemoryLogStorage storage = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L), null);
    RawNode before = leaderWithOneCommand(storage);
    long applied = before.appliedIndex();
    assertTrue(storage.hardState().commit() < applied);

    RawNode restarted =
        new RawNode(RaftConfig.defaults(1).withApplied(applied), storage, new SplittableRandom(2));
    assertEquals(applied, restarted.commitIndex());
    assertEquals(applied, restarted.appliedIndex());
    assertTrue(restarted.ready().committedEntries().isEmpty(), "nothing is applied twice");

    RawNode fresh = new RawNode(RaftConfig.defaults(1), storage, new SplittableRandom(3));
    assertEquals(storage.hardState().commit(), fresh.commitIndex(), "a state machine from scratch");
  }

  @Test
  void aStateMachineAheadOfItsLogIsRefused() {
    MemoryLogStorage storage = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L), null);
    RawNode before = leaderWithOneCommand(storage);
    RaftConfig ahead = RaftConfig.defaults(1).withApplied(before.lastIndex() + 1);
    assertThrows(
        IllegalStateException.class, () -> new RawNode(ahead, storage, new SplittableRandom(2)));
  }

  /** Persists Readys until the node has none: the leader's no-op is appended and committed. */
  private static void drain(RawNode node, MemoryLogStorage storage) {
    while (node.hasReady()) {
      persist(node, storage, node.ready());
    }
  }
}
