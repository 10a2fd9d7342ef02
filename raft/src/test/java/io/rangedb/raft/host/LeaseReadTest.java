package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.RawNode;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.Role;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.SimulatedNetwork;
import io.rangedb.raft.transport.VirtualTime;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Lease-based reads through {@link RaftHost}: three hosts with a {@link TickClock} on one virtual
 * clock, one group, whose leader's process can be paused as a stop-the-world collection or a
 * stopped VM pauses it: nothing of it runs, its ticker included, and what reached it waits.
 */
class LeaseReadTest {
  private static final long TICK_MS = 10;
  private static final long GROUP = 1;

  private final VirtualTime time = new VirtualTime();
  private final SimulatedNetwork network = new SimulatedNetwork(new SplittableRandom(7), time);
  private final Map<Long, RaftHost> hosts = new TreeMap<>();
  private final Map<Long, Boolean> paused = new TreeMap<>();

  /** Per node, the work that would have run while it was paused, in order. */
  private final Map<Long, List<Runnable>> held = new TreeMap<>();

  /** Per node, calls its ticker missed while paused, made in a burst when it resumes. */
  private final Map<Long, Integer> missedTicks = new TreeMap<>();

  /** Nodes whose ticker skips its turns (stopped, to be started again), the process running. */
  private final java.util.Set<Long> tickerStopped = new java.util.HashSet<>();

  /** Per node, time added to its clock: time that passes within one of its cycles (a pause). */
  private final Map<Long, Long> skewMillis = new TreeMap<>();

  private long nanos(long node) {
    return (time.now() + skewMillis.get(node)) * 1_000_000L;
  }

  /** Three hosts, with a clock each or none, and one group with {@code reads}. */
  private void start(boolean clocks, ReadOnlyOption reads) {
    network.conditions.minDelay = 1;
    network.conditions.maxDelay = 2;
    SplittableRandom rng = new SplittableRandom(3);
    for (long id = 1; id <= 3; id++) {
      long node = id;
      MemoryLogStore store = new MemoryLogStore();
      store.bootstrap(GROUP, ConfState.ofVoters(1L, 2L, 3L));
      paused.put(node, false);
      held.put(node, new ArrayList<>());
      missedTicks.put(node, 0);
      skewMillis.put(node, 0L);
      RaftHost.Options options =
          clocks
              ? RaftHost.Options.defaults()
                  .withClock(new TickClock(() -> nanos(node), TICK_MS * 1_000_000L))
              : RaftHost.Options.defaults();
      RaftHost[] self = new RaftHost[1];
      RaftHost host =
          new RaftHost(
              node,
              store,
              network.attach(
                  node,
                  new PausableReceiver(
                      () -> paused.get(node), held.get(node)::add, new CurrentHostReceiver(self))),
              task -> time.after(0, () -> runOrHold(node, task)),
              task -> time.after(1, () -> runOrHold(node, task)),
              rng.split(),
              new NothingApplied(),
              options);
      self[0] = host;
      hosts.put(node, host);
      host.addGroup(GROUP, RaftConfig.defaults(node).withReadOnlyOption(reads));
      tick(node);
    }
  }

  private void runOrHold(long node, Runnable task) {
    if (paused.get(node)) {
      held.get(node).add(task);
    } else {
      task.run();
    }
  }

  /**
   * Resumes a paused node: {@code first} gets to it at once, and a millisecond later the work it
   * had queued, the messages it had been sent, and the ticks its ticker missed, which it catches up
   * with in a burst. (Threads of a resumed process race; here the one that brings {@code first}
   * wins, and its loop has answered it before the rest arrive.)
   */
  private void resume(long node, Runnable first) {
    paused.put(node, false);
    first.run();
    List<Runnable> waiting = new ArrayList<>(held.get(node));
    int ticks = missedTicks.put(node, 0);
    held.get(node).clear();
    time.after(
        1,
        () -> {
          waiting.forEach(Runnable::run);
          for (int i = 0; i < ticks; i++) {
            hosts.get(node).tick();
          }
        });
  }

  /** A fixed-rate ticker: a paused process's ticker misses its turns and catches up later. */
  private void tick(long node) {
    time.after(
        TICK_MS,
        () -> {
          if (paused.get(node)) {
            missedTicks.merge(node, 1, Integer::sum);
          } else if (!tickerStopped.contains(node)) {
            hosts.get(node).tick();
          }
          tick(node);
        });
  }

  private void run(long millis) {
    time.runUntil(time.now() + millis);
  }

  private long leader() {
    for (RaftHost h : hosts.values()) {
      if (!paused.get(h.nodeId()) && role(h) == Role.LEADER) {
        return h.nodeId();
      }
    }
    return 0;
  }

  private Role role(RaftHost h) {
    return inspect(h, RawNode::role);
  }

  private boolean leaseValid(RaftHost h) {
    return inspect(h, RawNode::leaseValid);
  }

  /** A proposal every 2 ms keeps one in flight at every tick, so the group does not quiesce. */
  private void keepBusy(long leader, int millis) {
    for (int i = 0; i < millis / 2; i++) {
      hosts.get(leader).propose(GROUP, bytes("w" + i));
      run(2);
    }
  }

  /** Keeps the group busy until its leader holds a lease; returns the leader. */
  private long busyLeaderWithALease() {
    run(2_000);
    long leader = leader();
    assertNotEquals(0, leader, "a leader was elected");
    keepBusy(leader, 200);
    assertTrue(leaseValid(hosts.get(leader)), "a busy leader holds a lease");
    return leader;
  }

  @Test
  void aLeaderPausedPastItsLeaseDoesNotAnswerAReadFromItOnceItResumes() {
    start(true, ReadOnlyOption.LEASE_BASED);
    long old = busyLeaderWithALease();
    paused.put(old, true);
    run(3_000); // six election timeouts: the others elect one of them
    long next = leader();
    assertNotEquals(0, next, "the others elected a leader while the old one was paused");
    CompletableFuture<Long> write = hosts.get(next).propose(GROUP, bytes("after the pause"));
    run(200);
    long written = write.join();

    // It resumes. A read that reached it during the pause gets to its loop before the messages of
    // the new term and before the ticks its ticker catches up with: the order a resumed process
    // may well take, since its threads race.
    List<CompletableFuture<Long>> read = new ArrayList<>();
    resume(old, () -> read.add(hosts.get(old).readIndex(GROUP)));
    run(1_000);

    CompletableFuture<Long> answer = read.get(0);
    assertTrue(answer.isDone(), "the read was answered");
    if (!answer.isCompletedExceptionally()) {
      assertTrue(
          answer.join() >= written,
          "read at index "
              + answer.join()
              + " misses the write acknowledged at "
              + written
              + " before the read began: a stale read from an expired lease");
    } else {
      CompletionException e = assertThrows(CompletionException.class, answer::join);
      assertInstanceOf(io.rangedb.raft.ProposalDroppedException.class, e.getCause());
    }
  }

  @Test
  void aLeaderWhoseTicksAreCurrentAnswersFromItsLeaseWithoutAQuorum() {
    start(true, ReadOnlyOption.LEASE_BASED);
    long leader = busyLeaderWithALease();
    network.partition(java.util.Set.of(leader), 1);
    CompletableFuture<Long> read = hosts.get(leader).readIndex(GROUP);
    run(1);
    assertTrue(read.isDone(), "answered at once, though no follower can confirm it");
    assertFalse(read.isCompletedExceptionally());
  }

  /**
   * A pause can come in the middle of a cycle, after the host delivered the ticks then due: the
   * lease counts those that fell due since (here the clock jumps inside the cycle that asks).
   */
  @Test
  void ticksThatFellDueDuringTheCycleShortenTheLeaseByAsManyTicks() {
    start(true, ReadOnlyOption.LEASE_BASED);
    long leader = busyLeaderWithALease();
    assertTrue(leaseValidAfterACycleStalls(leader, TICK_MS - 1), "no tick overdue yet");
    keepBusy(leader, 50);
    assertTrue(leaseValidAfterACycleStalls(leader, 4 * TICK_MS), "four ticks overdue: still held");
    keepBusy(leader, 50);
    assertFalse(
        leaseValidAfterACycleStalls(leader, 10 * TICK_MS),
        "ten ticks overdue: the lease ran out during the stall");
  }

  private boolean leaseValidAfterACycleStalls(long node, long millis) {
    CompletableFuture<Boolean> valid =
        hosts
            .get(node)
            .inspect(
                groups -> {
                  skewMillis.merge(node, millis, Long::sum);
                  return groups.get(GROUP).leaseValid();
                });
    run(0);
    return valid.join();
  }

  /**
   * Both followers pause together (their machine stalls) and resume: the leader's heartbeats of the
   * pause reach them before their ticker's catch-up, and their promise not to vote must begin then,
   * not be used up by the ticks they missed, or they elect another while the leader, now cut off,
   * still trusts the lease they just backed.
   */
  @Test
  void followersResumingFromAPauseKeepThePromiseTheirLeaderCountsOn() {
    start(true, ReadOnlyOption.LEASE_BASED);
    long old = busyLeaderWithALease();
    List<Long> followers = new ArrayList<>();
    for (long n = 1; n <= 3; n++) {
      if (n != old) {
        followers.add(n);
      }
    }
    run(2);
    followers.forEach(f -> paused.put(f, true));
    keepBusy(old, 100); // the leader goes on proposing and heartbeating into the pause
    followers.forEach(f -> resume(f, () -> {}));
    run(4); // their acknowledgements of its latest heartbeats reach it
    assertTrue(leaseValid(hosts.get(old)), "the acknowledgements gave the leader a lease");
    network.partition(java.util.Set.of(old), 1);
    run(1_000);
    long next = 0;
    for (long f : followers) {
      next = role(hosts.get(f)) == Role.LEADER ? f : next;
    }
    assertNotEquals(0, next, "the followers elected one of them");
    CompletableFuture<Long> write = hosts.get(next).propose(GROUP, bytes("after"));
    run(50);
    assertTrue(write.isDone(), "the new leader commits");
    long written = write.join();
    CompletableFuture<Long> read = hosts.get(old).readIndex(GROUP);
    run(1);
    assertFalse(
        read.isDone() && !read.isCompletedExceptionally() && read.join() < written,
        "the cut-off leader answered a read at "
            + (read.isDone() ? read.join() : 0)
            + " after a write acknowledged at "
            + written);
  }

  /**
   * A ticker that skips turns and never makes them up (stopped and started again, or one that runs
   * late at a fixed delay) leaves a host with a clock no ticks behind: it counts them by the clock.
   */
  @Test
  void aHostWhoseTickerSkippedTurnsCountsThemByItsClockAndLeadsWithALeaseAgain() {
    start(true, ReadOnlyOption.LEASE_BASED);
    long leader = busyLeaderWithALease();
    tickerStopped.add(leader);
    keepBusy(leader, 300); // thirty turns skipped while the group is busy
    tickerStopped.remove(leader);
    keepBusy(leader, 50);
    assertTrue(leaseValid(hosts.get(leader)), "ticks and lease follow the clock again");
  }

  /**
   * An otherwise idle lease group read every three ticks: the first read wakes it and pays a quorum
   * round, and the group quiesces again (one read is no reason to stay awake); the second wakes it
   * and pays another; from then on the reads are answered from the lease, since a group read twice
   * within an election timeout stays awake to keep it (quiesced, it would give the lease up and pay
   * a round for every read). Once the reads stop it quiesces again.
   */
  @Test
  void anIdleLeaseGroupReadEveryFewTicksAnswersFromItsLeaseAndQuiescesOnceReadsStop() {
    start(true, ReadOnlyOption.LEASE_BASED);
    run(2_000);
    long leader = leader();
    assertNotEquals(0, leader, "a leader was elected");
    RaftHost h = hosts.get(leader);
    assertEquals(0, activeGroups(h), "idle, so quiesced");
    long before = readsFromLease(h);
    List<CompletableFuture<Long>> reads = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      reads.add(h.readIndex(GROUP));
      run(3 * TICK_MS);
    }
    reads.forEach(CompletableFuture::join);
    assertEquals(18, readsFromLease(h) - before, "every read after the second from the lease");
    assertEquals(1, activeGroups(h), "awake while read");
    run(15 * TICK_MS); // an election timeout, and the tick that quiesces it
    assertEquals(0, activeGroups(h), "quiesced once the reads stopped");
  }

  /**
   * A follower quiesced for long is woken by its leader's heartbeat (the leader starts a read's
   * quorum round): its host gives it the ticks it missed before the heartbeat, so its promise not
   * to vote against the lease runs a whole timeout from the heartbeat. Given after it, the gap
   * would use the promise up at once, and a stale rejection of an old pre-vote at a newer term (as
   * the simulation's seed 1010710 delivered) would leave it free to vote while the leader answers
   * reads from its lease.
   */
  @Test
  void aFollowerWokenByItsLeadersHeartbeatAfterALongQuiesceKeepsItsPromiseAWholeTimeout() {
    start(true, ReadOnlyOption.LEASE_BASED);
    run(2_000);
    long leader = leader();
    assertNotEquals(0, leader, "a leader was elected");
    assertEquals(0, activeGroups(hosts.get(leader)), "idle, so quiesced");
    run(100 * TICK_MS); // a hundred ticks no quiesced replica is given
    CompletableFuture<Long> read = hosts.get(leader).readIndex(GROUP);
    run(5); // its heartbeat wakes the followers, which answer
    assertTrue(read.isDone(), "the read's round is over");
    long follower = leader == 1 ? 2 : 1;
    long other = 6 - leader - follower;
    RaftHost f = hosts.get(follower);
    long term = inspect(f, RawNode::term);
    f.receive(
        other,
        List.of(
            new Envelope(
                GROUP,
                Message.builder(MessageType.PRE_VOTE_RESP)
                    .from(other)
                    .to(follower)
                    .term(term + 1)
                    .reject(true)
                    .build())));
    f.receive(
        other,
        List.of(
            new Envelope(
                GROUP,
                Message.builder(MessageType.VOTE)
                    .from(other)
                    .to(follower)
                    .term(term + 1)
                    .index(1_000)
                    .logTerm(term)
                    .build())));
    run(0);
    long termNow = inspect(f, RawNode::term);
    long vote = inspect(f, g -> g.hardState().vote());
    assertEquals(term + 1, termNow, "the stale rejection moved its term");
    assertNotEquals(other, vote, "no vote within the promise");
  }

  /** What {@code what} finds in the group's replica on {@code h}, asked on its loop. */
  private <T> T inspect(RaftHost h, java.util.function.Function<RawNode, T> what) {
    return settled(h.inspect(groups -> what.apply(groups.get(GROUP))));
  }

  /** Runs what is due now, which completes {@code answer}. */
  private <T> T settled(CompletableFuture<T> answer) {
    run(0);
    return answer.join();
  }

  private long activeGroups(RaftHost h) {
    return settled(h.activeGroups());
  }

  private long readsFromLease(RaftHost h) {
    return inspect(h, RawNode::readsServedFromLease);
  }

  @Test
  void aGroupWithLeaseReadsDoesNotOpenOnAHostWithoutAClock() {
    start(false, ReadOnlyOption.SAFE);
    RaftHost h = hosts.get(1L);
    CompletableFuture<Void> open =
        h.addGroup(2, RaftConfig.defaults(1).withReadOnlyOption(ReadOnlyOption.LEASE_BASED));
    run(0);
    CompletionException e = assertThrows(CompletionException.class, open::join);
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("clock"), e.getCause().getMessage());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
