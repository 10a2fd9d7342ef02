package io.rangedb.rangestore.raftcluster;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LogStorage;
import io.rangedb.raft.ProposalDroppedException;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.host.LogStore;
import io.rangedb.raft.host.MemoryLogStore;
import io.rangedb.raft.host.RaftHost;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.SimulatedNetwork;
import io.rangedb.raft.transport.Transport;
import io.rangedb.raft.transport.VirtualTime;
import io.rangedb.rangestore.raftlog.RaftLogStore;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The Raft hosts' own CPU per commit, and how it grows with the number of groups: three {@link
 * RaftHost}s over their log stores and {@link SimulatedNetwork}, all on the benchmark's thread in
 * virtual time, so no gRPC, fsync or thread hand-off is in the figure (RocksDB's own flushes and
 * compactions run on its threads). As in {@link RaftCommitBenchmark}'s 64-proposer case, 64
 * proposals are kept in flight on random groups (each next one issued when one is applied on its
 * leader). One operation runs until at least one more commit; a cycle that applies several
 * completes them together, so the report printed at the end of each trial gives the commits per
 * operation, by which the score divides into µs per commit. The work per commit is the same at
 * every group count (one entry in its group's own Raft round, while groups outnumber proposals), so
 * what the time per commit gains with more groups is what the state a commit touches costs once it
 * no longer stays in the CPU's caches.
 *
 * <pre>
 * bin/mvn -B -pl range-store -Pjmh test-compile exec:exec \
 *     -Djmh.args="-f 1 -wi 3 -w 2s -i 5 -r 2s HostLoopBenchmark -e MvccVsRaw -p store=memory"
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HostLoopBenchmark {
  /** Virtual time is in units of 10 µs: a loopback hop, an fsync and a tick as on this machine. */
  private static final long NETWORK_MIN_DELAY = 10;

  private static final long NETWORK_MAX_DELAY = 20;
  private static final long FSYNC = 17;

  /**
   * A loop starts its cycle this long after the work that woke it, so that what arrives meanwhile
   * joins it, as it does on a busy machine. Still fewer commits share a cycle here than there:
   * about 0.7 cycles per commit for the three hosts, against 0.3 in the in-process cluster at 64
   * proposers on 1,000 groups.
   */
  private static final long LOOP_DELAY = 5;

  /** Logs are compacted as they go, so that memory (and the collector's work) stays flat. */
  private static final long COMPACT_AFTER_ENTRIES = 64;

  private static final long TICK = 5_000;
  private static final int TICK_SLICES = 10;
  private static final int IN_FLIGHT = 64;
  private static final byte[] COMMAND = new byte[100];

  @Param({"100", "1000", "4000"})
  public int groups;

  /**
   * Where the logs are: {@code rocksdb} is the store the node runs ({@link RaftLogStore} on RocksDB
   * in a temp directory, every write real, but a sync does nothing: the fsync is the machine's
   * cost, not the host's), {@code memory} the raft module's simulation store.
   */
  @Param({"rocksdb", "memory"})
  public String store;

  /**
   * How many groups take the proposals (the first ones; 0: all). Fewer active groups than groups
   * separates what idle groups cost from what the state of the groups in use costs.
   */
  @Param({"0"})
  public int active;

  private Path dir;
  private final List<StoreEngine> engines = new ArrayList<>();

  private VirtualTime time;
  private final List<RaftHost> hosts = new ArrayList<>();
  private long[] leaderGuess;
  private SplittableRandom rng;
  private long commits;

  @Setup(Level.Trial)
  public void setup() {
    try {
      if (active < 0 || active > groups) {
        throw new IllegalArgumentException("active " + active + " not in [0, " + groups + "]");
      }
      time = new VirtualTime();
      rng = new SplittableRandom(42);
      SimulatedNetwork network = new SimulatedNetwork(new SplittableRandom(7), time);
      network.conditions.minDelay = NETWORK_MIN_DELAY;
      network.conditions.maxDelay = NETWORK_MAX_DELAY;
      leaderGuess = new long[groups + 1];
      List<CompletableFuture<Void>> added = new ArrayList<>();
      for (long id = 1; id <= 3; id++) {
        LogStore logs = newLogStore(id);
        Forward receiver = new Forward();
        RaftHost host =
            new RaftHost(
                id,
                logs,
                counted(network.attach(id, receiver)),
                task -> time.after(LOOP_DELAY, task),
                task -> time.after(FSYNC, task),
                new SplittableRandom(id),
                new Discard(),
                RaftHost.Options.defaults()
                    .withTickSlices(TICK_SLICES)
                    .withCompactAfterEntries(COMPACT_AFTER_ENTRIES));
        receiver.host = host;
        hosts.add(host);
        for (long g = 1; g <= groups; g++) {
          added.add(host.addGroup(g, RaftConfig.defaults(id)));
        }
        time.every(TICK / TICK_SLICES, host::tick);
      }
      time.runUntil(() -> added.stream().allMatch(CompletableFuture::isDone) || failed());
      for (int g = 1; g <= groups; g++) {
        leaderGuess[g] = 1 + g % 3;
      }
      for (int i = 0; i < IN_FLIGHT; i++) {
        proposeNext();
      }
      // Every group elects a leader and takes proposals before anything is measured.
      long warm = commits + 5L * groups;
      time.runUntil(() -> commits >= warm || failed());
      measuredFrom = commits;
      nowAtStart = time.now();
      for (RaftHost h : hosts) {
        cyclesAtStart += h.stats().cycles;
        messagesAtStart += h.stats().messagesSent.get();
        ticksAtStart += h.stats().groupTicks;
      }
    } catch (RuntimeException | Error e) {
      cleanUp(); // teardown does not run after a failed setup
      throw e;
    }
  }

  private final List<CountingTransport> sent = new ArrayList<>();

  private Transport counted(Transport t) {
    CountingTransport c = new CountingTransport(t);
    sent.add(c);
    return c;
  }

  private long measuredFrom;
  private long operations;
  private long nowAtStart;
  private double cyclesAtStart;
  private double messagesAtStart;
  private double ticksAtStart;

  private LogStore newLogStore(long id) {
    ConfState founders = ConfState.ofVoters(1L, 2L, 3L);
    if (store.equals("memory")) {
      MemoryLogStore logs = new MemoryLogStore();
      for (long g = 1; g <= groups; g++) {
        logs.bootstrap(g, founders);
      }
      return logs;
    }
    try {
      if (dir == null) {
        dir = Files.createTempDirectory("host-loop-bench");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StoreEngine engine = StoreEngine.open(StoreOptions.onDisk(dir.resolve("n" + id)));
    engines.add(engine);
    RaftLogStore logs = new RaftLogStore(engine);
    for (long g = 1; g <= groups; g++) {
      logs.bootstrap(g, founders, null);
    }
    return new LogStore() {
      @Override
      public LogBatch newBatch() {
        return logs.newBatch();
      }

      @Override
      public void sync() {}

      @Override
      public LogStorage storage(long groupId) {
        return logs.storage(groupId);
      }

      @Override
      public void destroy(LogBatch batch, long groupId) {
        logs.destroy(batch, groupId);
      }
    };
  }

  /** Per commit since the measurement began: what the hosts did, to read the time beside. */
  @TearDown(Level.Trial)
  public void report() {
    try {
      print();
    } finally {
      cleanUp();
    }
  }

  private void print() {
    long n = commits - measuredFrom;
    double cycles = 0;
    double messages = 0;
    double groupTicks = 0;
    for (RaftHost h : hosts) {
      cycles += h.stats().cycles;
      messages += h.stats().messagesSent.get();
      groupTicks += h.stats().groupTicks;
    }
    System.out.printf(
        java.util.Locale.ROOT,
        "%n%d groups (%d active), %d commits in %d operations (%.3f per operation: divide the score by it for"
            + " µs per commit); per commit %.2f loop cycles, %.2f messages, %.2f group ticks;"
            + " %.1f virtual ms (all after setup, warm-up included)%n",
        groups,
        active > 0 ? active : groups,
        n,
        operations,
        (double) n / operations,
        (cycles - cyclesAtStart) / n,
        (messages - messagesAtStart) / n,
        (groupTicks - ticksAtStart) / n,
        (time.now() - nowAtStart) / 100.0);
    java.util.Map<io.rangedb.raft.MessageType, Long> byType =
        new java.util.EnumMap<>(io.rangedb.raft.MessageType.class);
    sent.forEach(c -> c.counts().forEach((k, v) -> byType.merge(k, v, Long::sum)));
    System.out.println("messages by type, setup included: " + byType);
  }

  private void cleanUp() {
    engines.forEach(StoreEngine::close);
    engines.clear();
    if (dir != null) {
      try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      dir = null;
    }
  }

  /** A host that stopped fails the run with its cause, rather than leaving proposals to retry. */
  private boolean failed() {
    for (RaftHost h : hosts) {
      if (h.failure() != null) {
        throw new IllegalStateException("host " + h.nodeId() + " stopped", h.failure());
      }
    }
    return false;
  }

  @Benchmark
  public long commit() {
    operations++;
    long next = commits + 1;
    time.runUntil(() -> commits >= next || failed());
    return commits;
  }

  private void proposeNext() {
    propose(1 + rng.nextInt(active > 0 ? active : groups));
  }

  private void propose(int group) {
    hosts
        .get((int) leaderGuess[group] - 1)
        .propose(group, COMMAND)
        .whenComplete(
            (index, error) -> {
              if (error == null) {
                commits++;
                proposeNext();
                return;
              }
              Throwable cause = error instanceof CompletionException ? error.getCause() : error;
              if (cause instanceof ProposalDroppedException dropped && dropped.leaderHint() != 0) {
                leaderGuess[group] = dropped.leaderHint();
              } else {
                leaderGuess[group] = leaderGuess[group] % 3 + 1;
              }
              time.after(TICK, () -> propose(group));
            });
  }

  /** The network is attached before the host exists. */
  private static final class Forward implements Transport.Receiver {
    RaftHost host;

    @Override
    public void receive(long fromNode, List<Envelope> batch) {
      host.receive(fromNode, batch);
    }

    @Override
    public void snapshotStatus(long groupId, long toNode, boolean delivered) {
      host.snapshotStatus(groupId, toNode, delivered);
    }

    @Override
    public ImageSink snapshotSink(long fromNode, Envelope header) {
      return host.snapshotSink(fromNode, header);
    }
  }

  /** Applies nothing, so that only the host's work is measured. */
  private static final class Discard implements RaftHost.StateMachine {
    @Override
    public void apply(long groupId, Entry entry) {}

    @Override
    public void restore(long groupId, Snapshot snapshot) {}

    @Override
    public byte[] snapshot(long groupId) {
      return new byte[0];
    }
  }
}
