package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.Role;
import io.rangedb.raft.Snapshot;
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

  /** Per node, the due times of the ticks its ticker missed while paused. */
  private final Map<Long, List<Long>> missedTicks = new TreeMap<>();

  private long nanos() {
    return time.now() * 1_000_000L;
  }

  private void start(RaftHost.Options options, ReadOnlyOption reads) {
    network.conditions.minDelay = 1;
    network.conditions.maxDelay = 2;
    SplittableRandom rng = new SplittableRandom(3);
    for (long id = 1; id <= 3; id++) {
      long node = id;
      MemoryLogStore store = new MemoryLogStore();
      store.bootstrap(GROUP, ConfState.ofVoters(1L, 2L, 3L));
      paused.put(node, false);
      held.put(node, new ArrayList<>());
      missedTicks.put(node, new ArrayList<>());
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

  private RaftHost.Options clocked() {
    return RaftHost.Options.defaults().withClock(new TickClock(this::nanos, TICK_MS * 1_000_000L));
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
    List<Long> ticks = new ArrayList<>(missedTicks.get(node));
    held.get(node).clear();
    missedTicks.get(node).clear();
    time.after(
        1,
        () -> {
          waiting.forEach(Runnable::run);
          ticks.forEach(due -> hosts.get(node).tick(due));
        });
  }

  /** A fixed-rate ticker: a paused process's ticker misses its turns and catches up later. */
  private void tick(long node) {
    time.after(
        TICK_MS,
        () -> {
          if (paused.get(node)) {
            missedTicks.get(node).add(nanos());
          } else {
            hosts.get(node).tick(nanos());
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
    CompletableFuture<Role> r = h.inspect(groups -> groups.get(GROUP).role());
    run(0);
    return r.join();
  }

  private boolean leaseValid(RaftHost h) {
    CompletableFuture<Boolean> r = h.inspect(groups -> groups.get(GROUP).leaseValid());
    run(0);
    return r.join();
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
    start(clocked(), ReadOnlyOption.LEASE_BASED);
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
    start(clocked(), ReadOnlyOption.LEASE_BASED);
    long leader = busyLeaderWithALease();
    network.partition(java.util.Set.of(leader), 1);
    CompletableFuture<Long> read = hosts.get(leader).readIndex(GROUP);
    run(1);
    assertTrue(read.isDone(), "answered at once, though no follower can confirm it");
    assertFalse(read.isCompletedExceptionally());
  }

  @Test
  void ticksOverdueByTheClockShortenTheLeaseByAsManyTicks() {
    start(clocked(), ReadOnlyOption.LEASE_BASED);
    long leader = busyLeaderWithALease();
    RaftHost h = hosts.get(leader);
    // Paused for less than a tick: nothing overdue yet, the lease holds.
    paused.put(leader, true);
    run(TICK_MS - 2);
    assertTrue(leaseValidOnResuming(leader), "no tick overdue");
    keepBusy(leader, 50);
    assertTrue(leaseValid(h), "busy again, with a lease");
    // Paused for a whole election timeout: the ticks it missed use the lease up, though not one
    // of them has been delivered when it is asked.
    paused.put(leader, true);
    run(10 * TICK_MS);
    assertFalse(leaseValidOnResuming(leader), "ten ticks overdue: the lease ran out in the pause");
  }

  /** Resumes a paused node and asks it first whether its group's lease holds. */
  private boolean leaseValidOnResuming(long node) {
    List<CompletableFuture<Boolean>> valid = new ArrayList<>();
    resume(node, () -> valid.add(hosts.get(node).inspect(g -> g.get(GROUP).leaseValid())));
    run(2);
    assertTrue(valid.get(0).isDone(), "answered");
    return valid.get(0).join();
  }

  @Test
  void aGroupWithLeaseReadsDoesNotOpenOnAHostWithoutAClock() {
    start(RaftHost.Options.defaults(), ReadOnlyOption.SAFE);
    RaftHost h = hosts.get(1L);
    CompletableFuture<Void> open =
        h.addGroup(2, RaftConfig.defaults(1).withReadOnlyOption(ReadOnlyOption.LEASE_BASED));
    run(0);
    CompletionException e = assertThrows(CompletionException.class, open::join);
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("clock"), e.getCause().getMessage());
  }

  @Test
  void aHostTickedAnotherWayThanItsClockSaysRefusesTheTick() {
    start(clocked(), ReadOnlyOption.SAFE);
    assertThrows(IllegalStateException.class, () -> hosts.get(1L).tick());
    RaftHost plain =
        new RaftHost(
            9,
            new MemoryLogStore(),
            new NowhereTransport(),
            Runnable::run,
            Runnable::run,
            new SplittableRandom(1),
            new NothingApplied(),
            RaftHost.Options.defaults());
    assertThrows(IllegalStateException.class, () -> plain.tick(0));
    assertEquals(null, plain.clock());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The reads here need no state: a state machine that keeps none. */
  private static final class NothingApplied implements RaftHost.StateMachine {
    @Override
    public void apply(long groupId, Entry entry) {}

    @Override
    public void restore(long groupId, Snapshot snapshot) {}
  }
}
