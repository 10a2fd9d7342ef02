package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.Role;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Inputs that cross the host's trust boundaries (peers' messages, the layer above's calls): one bad
 * input must be refused on its own and leave the host, and every other group on it, working.
 */
class HostInputTest {
  /** A group of three voters in which this node (1) is a follower. */
  private static final long SHARED = 5;

  /** A group of one voter, this node, which it leads. */
  private static final long OWN = 6;

  private final ManualExecutor loop = new ManualExecutor();
  private final MemoryLogStore store = new MemoryLogStore();
  private final List<Envelope> sent = new ArrayList<>();

  private final RaftHost host = newHost(1);

  /** A host of node 1; {@code seed} differs per start, as a process's fresh randomness does. */
  private RaftHost newHost(long seed) {
    return new RaftHost(
        1,
        store,
        new Transport() {
          @Override
          public void send(long toNode, List<Envelope> batch) {
            sent.addAll(batch);
          }

          @Override
          public void sendSnapshot(long toNode, Envelope snapshotMessage, ImageSource image) {
            image.close();
          }
        },
        loop,
        Runnable::run,
        new SplittableRandom(seed),
        new NothingApplied(),
        RaftHost.Options.defaults());
  }

  private void runLoop() {
    loop.runAll();
  }

  private <T> T inspect(
      RaftHost h, java.util.function.Function<java.util.Map<Long, io.rangedb.raft.RawNode>, T> q) {
    CompletableFuture<T> f = h.inspect(q);
    runLoop();
    return f.join();
  }

  /** Opens {@link #SHARED} (a follower here) and {@link #OWN} (led here). */
  private void openGroups() {
    store.bootstrap(SHARED, ConfState.ofVoters(1L, 2L, 3L));
    store.bootstrap(OWN, ConfState.ofVoters(1L));
    host.addGroup(SHARED, RaftConfig.defaults(1));
    host.addGroup(OWN, RaftConfig.defaults(1));
    runLoop();
    for (int i = 0; i < 40; i++) {
      host.tick();
      runLoop();
    }
    assertEquals(Role.LEADER, inspect(host, m -> m.get(OWN).role()));
    // Node 2 leads SHARED at term 2: this node follows it.
    host.receive(
        2,
        List.of(
            new Envelope(
                SHARED,
                Message.builder(MessageType.HEARTBEAT).from(2).to(1).term(2).commit(1).build())));
    runLoop();
    assertEquals((Long) 2L, inspect(host, m -> m.get(SHARED).leader()));
  }

  /** The host still runs and the group it leads still commits. */
  private void assertHostServes() {
    assertNull(host.failure(), "the host stopped on one bad input");
    CompletableFuture<Long> p = host.propose(OWN, new byte[] {1});
    runLoop();
    assertTrue(p.isDone() && !p.isCompletedExceptionally(), "group " + OWN + " commits: " + p);
  }

  /**
   * A message whose {@code to} names another replica, or whose {@code from} is not its sender's
   * node (a sender's bug or version skew, a stale address), is dropped and counted: stepped, it
   * made {@code RawNode.step} throw, and the loop stopped the whole host.
   */
  @Test
  void aMessageForAnotherReplicaIdIsDroppedWithoutStoppingTheHost() {
    openGroups();
    host.receive(
        2,
        List.of(
            new Envelope(
                SHARED,
                Message.builder(MessageType.HEARTBEAT).from(2).to(4).term(2).commit(1).build())));
    host.receive(
        2,
        List.of(
            new Envelope(
                SHARED,
                Message.builder(MessageType.HEARTBEAT).from(3).to(1).term(2).commit(1).build())));
    runLoop();
    assertHostServes();
    assertEquals(2, host.stats().messagesMisaddressed.get());
  }

  /**
   * An append whose previous index is past the follower's log with previous term 0 (an extreme
   * index, Long.MAX_VALUE here) was taken as matching ({@code RaftLog.term} answers 0 beyond the
   * log), so its commit index, beyond the log, reached {@code commitTo}, which threw, and the whole
   * host stopped. It is rejected like any append that does not match.
   */
  @Test
  void anAppendAtAnIndexBeyondTheLogIsRejectedWithoutStoppingTheHost() {
    openGroups();
    host.receive(
        2,
        List.of(
            new Envelope(
                SHARED,
                Message.builder(MessageType.APP)
                    .from(2)
                    .to(1)
                    .term(2)
                    .index(Long.MAX_VALUE)
                    .logTerm(0)
                    .commit(Long.MAX_VALUE)
                    .build())));
    runLoop();
    assertHostServes();
    assertEquals((Long) 1L, inspect(host, m -> m.get(SHARED).commitIndex()));
  }

  /**
   * {@code addGroup} with a null config fails that call alone (its NPE on the loop stopped the
   * whole host, and the caller's future was never completed).
   */
  @Test
  void addGroupWithoutAConfigFailsThatCallAndLeavesTheHostRunning() {
    openGroups();
    CompletableFuture<Void> bad = host.addGroup(7, null);
    runLoop();
    assertTrue(bad.isCompletedExceptionally(), "the bad call is answered: " + bad);
    assertHostServes();
  }

  private static Envelope shared(Message.Builder m) {
    return new Envelope(SHARED, m.to(1).term(2).build());
  }

  /** The context of the last read this node forwarded to its leader. */
  private byte[] lastForwardedRead() {
    byte[] ctx = null;
    for (Envelope e : sent) {
      if (e.message().type() == MessageType.READ_INDEX) {
        ctx = e.message().context();
      }
    }
    return ctx;
  }

  /**
   * A read's context was the node id and a counter that started again at 1 with every host, so
   * after a restart the first read had the context of the first read before it, and the leader's
   * late answer to that old read answered the new one with the old read index: the read completed
   * at index 1 although the leader committed index 2 before it was asked (a write acknowledged to
   * its client before this read began was not seen). The counter now starts where the host's
   * randomness says, so a read completes only on the answer to its own request.
   */
  @Test
  void anAnswerToAReadOfTheHostBeforeARestartDoesNotAnswerAReadAfterIt() {
    store.bootstrap(SHARED, ConfState.ofVoters(1L, 2L, 3L));
    host.addGroup(SHARED, RaftConfig.defaults(1));
    runLoop();
    host.receive(2, List.of(shared(Message.builder(MessageType.HEARTBEAT).from(2).commit(1))));
    runLoop();
    host.readIndex(SHARED);
    runLoop();
    byte[] before = lastForwardedRead();
    // Leader 2 answers at its commit index then, 1; the answer is delayed.
    Envelope oldAnswer =
        shared(Message.builder(MessageType.READ_INDEX_RESP).from(2).index(1).context(before));

    // The node restarts (its log is durable: the syncer syncs at once).
    RaftHost restarted = newHost(2);
    restarted.addGroup(SHARED, RaftConfig.defaults(1));
    runLoop();
    // The leader replicates entry 2; it commits once this node acknowledges it (with node 2, a
    // quorum), and its client is told; the commit index reaches this node only later.
    restarted.receive(
        2,
        List.of(
            shared(
                Message.builder(MessageType.APP)
                    .from(2)
                    .index(1)
                    .logTerm(1)
                    .entries(List.of(io.rangedb.raft.Entry.normal(2, 2, new byte[] {'w'})))
                    .commit(1))));
    runLoop();
    assertEquals((Long) 2L, inspect(restarted, m -> m.get(SHARED).lastIndex()));

    CompletableFuture<Long> read = restarted.readIndex(SHARED);
    runLoop();
    byte[] after = lastForwardedRead();
    assertTrue(!java.util.Arrays.equals(before, after), "the contexts differ across the restart");

    restarted.receive(2, List.of(oldAnswer));
    runLoop();
    assertTrue(
        !read.isDone(),
        "a read begun after index 2 committed completed at index " + read.getNow(null));
    restarted.receive(
        2,
        List.of(
            shared(Message.builder(MessageType.READ_INDEX_RESP).from(2).index(2).context(after)),
            shared(Message.builder(MessageType.HEARTBEAT).from(2).commit(2))));
    runLoop();
    assertEquals((Long) 2L, read.getNow(null), "its own answer completes it");
  }

  /**
   * A transfer to a node that is not a voter of the group (a learner, a stranger), or in a group
   * not open here, fails with a typed error; the core would ignore it silently, leaving the caller
   * to wait for a leadership change that never comes.
   */
  @Test
  void aTransferToANonVoterFailsAndOneToAVoterIsMade() {
    openGroups();
    for (CompletableFuture<Void> bad :
        List.of(
            host.transferLeadership(OWN, 2),
            host.transferLeadership(SHARED, 9),
            host.transferLeadership(99, 1))) {
      runLoop();
      java.util.concurrent.CompletionException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.util.concurrent.CompletionException.class, bad::join);
      assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
    }
    sent.clear();
    CompletableFuture<Void> good = host.transferLeadership(SHARED, 3);
    runLoop();
    good.join();
    assertTrue(
        sent.stream()
            .anyMatch(
                e ->
                    e.message().type() == MessageType.TRANSFER_LEADER
                        && e.message().to() == 2
                        && e.message().index() == 3),
        "a follower passes the request to its leader: " + sent);
    assertHostServes();
  }

  /**
   * Group ids are positive: group 0 carries the hosts' pings, so a group 0 would never hear its
   * peers, and a store lists negative ids after the positive ones.
   */
  @Test
  void groupZeroAndNegativeIdsAreRefused() {
    for (long id : new long[] {RaftHost.PING_GROUP, -1, Long.MIN_VALUE}) {
      CompletableFuture<Void> refused = host.addGroup(id, RaftConfig.defaults(1));
      runLoop();
      java.util.concurrent.CompletionException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.util.concurrent.CompletionException.class, refused::join);
      assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
      assertTrue(e.getCause().getMessage().contains("positive"), e.getCause().getMessage());
    }
    openGroups(); // the host goes on
    assertEquals(List.of(SHARED, OWN), inspect(host, g -> List.copyOf(g.keySet())));
    assertHostServes();
  }
}
