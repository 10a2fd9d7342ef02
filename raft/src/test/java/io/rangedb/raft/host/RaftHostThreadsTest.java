package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.ProposalDroppedException;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.InlineSnapshots;
import io.rangedb.raft.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The host on real threads ({@link RaftThreads}): three hosts whose transports call each other
 * directly from their loop threads, many groups, proposals from the test thread. Checks that every
 * proposal is applied once, in the same order, on all three hosts, and, with lease reads on hosts
 * that tick by the system's monotonic clock, that a read then sees every proposal. (Bounds below
 * are generous liveness limits, not timing assertions.)
 */
class RaftHostThreadsTest {
  private static final int GROUPS = 50;

  @ParameterizedTest(name = "lease reads: {0}")
  @ValueSource(booleans = {false, true})
  void hostsOnRealThreads(boolean leaseReads) throws Exception {
    Map<Long, RaftHost> hosts = new ConcurrentHashMap<>();
    Map<Long, Map<Long, List<String>>> applied = new ConcurrentHashMap<>();
    List<ExecutorService> loops = new ArrayList<>();
    List<ExecutorService> syncers = new ArrayList<>();
    ScheduledExecutorService ticker = RaftThreads.newTicker("test-tick");
    List<ScheduledFuture<?>> ticking = new ArrayList<>();
    try {
      for (long id = 1; id <= 3; id++) {
        long node = id;
        MemoryLogStore store = new MemoryLogStore();
        for (long g = 1; g <= GROUPS; g++) {
          store.bootstrap(g, ConfState.ofVoters(1L, 2L, 3L));
        }
        Map<Long, List<String>> sm = new ConcurrentHashMap<>();
        applied.put(node, sm);
        Transport direct =
            new Transport() {
              @Override
              public void send(long toNode, List<Envelope> batch) {
                RaftHost to = hosts.get(toNode);
                if (to != null) {
                  to.receive(node, batch);
                }
              }

              @Override
              public void sendSnapshot(long toNode, Envelope snapshotMessage, ImageSource image) {
                RaftHost to = hosts.get(toNode);
                if (to != null) {
                  InlineSnapshots.deliver(snapshotMessage, image, node, to);
                }
                RaftHost self = hosts.get(node);
                self.snapshotStatus(snapshotMessage.groupId(), toNode, true);
              }
            };
        ExecutorService loop = RaftThreads.newLoop("test-loop-" + node);
        loops.add(loop);
        ExecutorService syncer = RaftThreads.newSyncer("test-sync-" + node);
        syncers.add(syncer);
        RaftHost host =
            new RaftHost(
                node,
                store,
                direct,
                loop,
                syncer,
                new SplittableRandom(node),
                new RaftHost.StateMachine() {
                  @Override
                  public void apply(long groupId, Entry e) {
                    if (e.type() == EntryType.NORMAL && e.data().length > 0) {
                      sm.computeIfAbsent(groupId, k -> new ArrayList<>())
                          .add(new String(e.data(), StandardCharsets.UTF_8));
                    }
                  }

                  @Override
                  public void restore(long groupId, Snapshot snapshot) {
                    throw new AssertionError("no snapshots here");
                  }
                },
                leaseReads
                    // Not quiesced: an idle group gives its lease up, and these read when idle.
                    ? RaftHost.Options.defaults()
                        .withQuiesce(false)
                        .withClock(new TickClock(System::nanoTime, TICK_MILLIS * 1_000_000))
                    : RaftHost.Options.defaults());
        hosts.put(node, host);
      }
      List<CompletableFuture<Void>> added = new ArrayList<>();
      for (RaftHost h : hosts.values()) {
        for (long g = 1; g <= GROUPS; g++) {
          added.add(
              h.addGroup(
                  g,
                  RaftConfig.defaults(h.nodeId())
                      .withReadOnlyOption(
                          leaseReads ? ReadOnlyOption.LEASE_BASED : ReadOnlyOption.SAFE)));
        }
        ticking.add(RaftThreads.startTicking(h, ticker, TICK_MILLIS));
      }
      CompletableFuture.allOf(added.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

      Map<Long, Long> lastWritten = new ConcurrentHashMap<>();
      for (long g = 1; g <= GROUPS; g++) {
        for (int i = 0; i < 4; i++) {
          lastWritten.put(g, proposeUntilAccepted(hosts, g, "g" + g + "-" + i));
        }
      }
      for (long g = 1; g <= GROUPS; g++) {
        long read = readUntilAnswered(hosts, g);
        assertTrue(read >= lastWritten.get(g), "group " + g + " read at " + read);
      }
      if (leaseReads) {
        // Leases on real threads and the system's clock: some reads needed no quorum round.
        long fromLease = 0;
        for (RaftHost h : hosts.values()) {
          fromLease +=
              h.inspect(
                      groups ->
                          groups.values().stream().mapToLong(n -> n.readsServedFromLease()).sum())
                  .get(60, TimeUnit.SECONDS);
        }
        assertTrue(fromLease > 0, "no read was answered from a lease");
      }
      // Wait (bounded) until every host applied everything.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline && !allApplied(applied)) {
        Thread.sleep(10);
      }
      for (long g = 1; g <= GROUPS; g++) {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          expected.add("g" + g + "-" + i);
        }
        for (long h = 1; h <= 3; h++) {
          assertEquals(expected, applied.get(h).get(g), "host " + h + " group " + g);
        }
      }
    } finally {
      ticking.forEach(t -> t.cancel(false));
      ticker.shutdownNow();
      for (ExecutorService l : loops) {
        l.shutdown();
        l.awaitTermination(10, TimeUnit.SECONDS);
      }
      for (ExecutorService s : syncers) {
        s.shutdown();
        s.awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  private static boolean allApplied(Map<Long, Map<Long, List<String>>> applied) {
    for (Map<Long, List<String>> sm : applied.values()) {
      for (long g = 1; g <= GROUPS; g++) {
        List<String> l = sm.get(g);
        if (l == null || l.size() < 4) {
          return false;
        }
      }
    }
    return true;
  }

  @Test
  void aHostWithAClockIsTickedAtTheLengthOfItsTicks() {
    RaftHost host =
        new RaftHost(
            1,
            new MemoryLogStore(),
            new NowhereTransport(),
            Runnable::run,
            Runnable::run,
            new SplittableRandom(1),
            new NothingApplied(),
            RaftHost.Options.defaults().withClock(new TickClock(System::nanoTime, 2_000_000)));
    ScheduledExecutorService ticker = RaftThreads.newTicker("test-tick");
    try {
      assertThrows(IllegalArgumentException.class, () -> RaftThreads.startTicking(host, ticker, 3));
    } finally {
      ticker.shutdownNow();
    }
  }

  private static final long TICK_MILLIS = 2;

  /** A linearizable read through any host, following hints; returns the index it was served at. */
  private static long readUntilAnswered(Map<Long, RaftHost> hosts, long group) throws Exception {
    return untilAccepted(hosts, "a read of group " + group, h -> h.readIndex(group));
  }

  /** Proposes through the leader, following hints; returns the index, once applied. */
  private static long proposeUntilAccepted(Map<Long, RaftHost> hosts, long group, String cmd)
      throws Exception {
    return untilAccepted(hosts, cmd, h -> h.propose(group, cmd.getBytes(StandardCharsets.UTF_8)));
  }

  private static long untilAccepted(
      Map<Long, RaftHost> hosts,
      String what,
      java.util.function.Function<RaftHost, CompletableFuture<Long>> op)
      throws Exception {
    long target = 1;
    for (int attempt = 0; attempt < 2_000; attempt++) {
      try {
        return op.apply(hosts.get(target)).get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        // Every drop means not applied, SUPERSEDED too (a newer leader's entry took its index; an
        // election on a loaded machine can do that): asking again must not apply it twice, which
        // the applied lists would show.
        if (e.getCause() instanceof ProposalDroppedException d) {
          target = d.leaderHint() != 0 ? d.leaderHint() : 1 + (target % 3);
          Thread.sleep(5);
          continue;
        }
        throw e;
      }
    }
    throw new AssertionError("no leader accepted " + what);
  }
}
