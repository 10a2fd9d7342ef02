package io.rangedb.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Which Readys must be fsynced: etcd's MustSync rule, which spares one fsync per commit. */
class ReadySyncTest {

  /** Persists a Ready into the storage, as a host does, and advances. */
  private static void persist(RawNode node, MemoryLogStorage storage, Ready rd) {
    MemoryLogBatch batch = MemoryLogStorage.newBatch();
    storage.stage(batch, rd.hardState(), rd.entries(), rd.snapshot());
    batch.commit();
    node.advance(rd);
  }

  @Test
  void termVoteAndEntriesMustSyncButACommitIndexAloneNeedNot() {
    MemoryLogStorage storage = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L), null);
    RawNode node = new RawNode(RaftConfig.defaults(1), storage, new SplittableRandom(1));

    node.campaign();
    Ready election = node.ready();
    assertNotNull(election.hardState());
    assertTrue(election.mustSync(), "a new term and vote are promises");
    persist(node, storage, election);

    // The new leader's no-op: appended (must sync), then committed (need not).
    drain(node, storage);
    node.propose(new byte[] {42});
    Ready append = node.ready();
    assertFalse(append.entries().isEmpty());
    assertTrue(append.mustSync(), "entries are promises");
    persist(node, storage, append);

    assertTrue(node.hasReady());
    Ready commit = node.ready();
    assertTrue(commit.entries().isEmpty());
    assertNotNull(commit.hardState(), "the commit index moved");
    assertEquals(append.entries().get(0).index(), commit.hardState().commit());
    assertFalse(commit.committedEntries().isEmpty());
    assertFalse(commit.mustSync(), "a commit index alone is learned again after a crash");
    persist(node, storage, commit);
  }

  /** Persists Readys until the node has none: the leader's no-op is appended and committed. */
  private static void drain(RawNode node, MemoryLogStorage storage) {
    while (node.hasReady()) {
      persist(node, storage, node.ready());
    }
  }
}
