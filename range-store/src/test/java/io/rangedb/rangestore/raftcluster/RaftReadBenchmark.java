package io.rangedb.rangestore.raftcluster;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.rangedb.raft.ProposalDroppedException;
import io.rangedb.raft.RawNode;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.host.RaftHost;
import io.rangedb.raft.host.TickClock;
import io.rangedb.rangestore.ScratchDirectory;
import io.rangedb.rangestore.raftnet.GrpcRaftTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Linearizable reads through {@link RaftHost#readIndex} on 3 hosts in one JVM over gRPC on
 * 127.0.0.1, RocksDB with fsync on: reads a quorum round confirms ({@code SAFE}) against reads the
 * leader answers from its lease ({@code LEASE_BASED}, hosts counting ticks by {@code
 * System::nanoTime}), for 1 and 64 concurrent readers on 1,000 groups, in one run so that the two
 * compare as a ratio. Each reader keeps one read in flight, on a random group, asked of the node
 * that leads it; a read completes once that node has applied through the read's index.
 *
 * <p>Paced cases read at a rate rather than flat out: every group once per interval, the reads
 * spread evenly over it and sent whether or not earlier ones are answered, as a database's point
 * reads would come. They show what keeping leases costs where reads are sparse: a group read more
 * often than once per election timeout stays awake, heartbeating, in lease mode; one read more
 * sparsely quiesces once its read is answered.
 *
 * <p>Per case: reads per second, p50 and p99, the share answered from a lease, Raft messages and
 * CPU per read, the process's share of the cores, and how many groups are awake (ticked) when it
 * ends: a lease group read twice within an election timeout stays awake to keep its lease, a safe
 * one quiesces once its reads are answered.
 *
 * <p>Arguments: {@code [seconds-per-case (default 10)] [tick-millis (default 50)] [groups (default
 * 1000)] [readers, comma-separated (default 1,64)] [paced intervals in ms, comma-separated (default
 * none)]}.
 */
public final class RaftReadBenchmark {
  private RaftReadBenchmark() {}

  private static final int NODES = 3;

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    long tickMillis = args.length > 1 ? Long.parseLong(args[1]) : 50;
    int groups = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    int[] readerCounts = counts(args.length > 3 ? args[3] : "1,64");
    int[] pacedMillis = counts(args.length > 4 ? args[4] : "");
    if (seconds < 1
        || tickMillis < 1
        || groups < 1
        || readerCounts.length == 0
        || java.util.Arrays.stream(readerCounts).anyMatch(n -> n < 1)
        || java.util.Arrays.stream(pacedMillis).anyMatch(ms -> ms < 1)) {
      throw new IllegalArgumentException(
          "need seconds >= 1, tick-millis >= 1, groups >= 1, reader counts >= 1 (at least one)"
              + " and paced intervals >= 1 ms");
    }
    long settle = 2 * io.rangedb.raft.RaftConfig.defaults(1).electionTicks() * tickMillis;
    Path root = Files.createTempDirectory("raft-reads");
    List<String> rows = new ArrayList<>();
    List<String> mixes = new ArrayList<>();
    try {
      for (ReadOnlyOption reads : List.of(ReadOnlyOption.SAFE, ReadOnlyOption.LEASE_BASED)) {
        RaftHost.Options hostOptions = RaftHost.Options.defaults().withTickSlices(10);
        if (reads == ReadOnlyOption.LEASE_BASED) {
          hostOptions =
              hostOptions.withClock(
                  new TickClock(System::nanoTime, TimeUnit.MILLISECONDS.toNanos(tickMillis)));
        }
        try (LocalRaftCluster cluster =
            new LocalRaftCluster(
                root.resolve(reads.name()),
                NODES,
                groups,
                tickMillis,
                false,
                false,
                reads,
                hostOptions,
                GrpcRaftTransport.Options.DEFAULT)) {
          cluster.balanceLeaders(0.9);
          for (int readers : readerCounts) {
            run(cluster, new ClosedLoop(readers, groups), Math.max(5, seconds), 0); // warm-up
          }
          List<Load> measured = new ArrayList<>();
          for (int readers : readerCounts) {
            measured.add(new ClosedLoop(readers, groups));
          }
          for (int every : pacedMillis) {
            measured.add(new Paced(every, groups));
          }
          for (Load load : measured) {
            Result r = run(cluster, load, seconds, settle);
            mixes.add(reads + ", " + r.load() + ", messages per read:" + r.messageMix());
            rows.add(r.row(reads));
          }
        }
      }
    } finally {
      ScratchDirectory.delete(root);
    }
    mixes.forEach(System.out::println);
    System.out.printf(
        Locale.ROOT,
        "%nLinearizable reads, 3 hosts, fsync on, %d ms ticks, %d s per case:%n",
        tickMillis,
        seconds);
    System.out.println(
        "| reads | case | reads/s | p50 ms | p99 ms | from a lease | messages / read | CPU / read"
            + " µs | CPU, share of the cores | groups awake at the end | refused |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    rows.forEach(System.out::println);
  }

  private static int[] counts(String commaSeparated) {
    return java.util.Arrays.stream(commaSeparated.split(","))
        .filter(part -> !part.isBlank())
        .mapToInt(Integer::parseInt)
        .toArray();
  }

  private record Result(
      String load,
      String messageMix,
      long reads,
      double seconds,
      Latencies latencies,
      long fromLease,
      long messages,
      long cpuNanos,
      int awake,
      long refused) {
    String row(ReadOnlyOption mode) {
      return String.format(
          Locale.ROOT,
          "| %s | %s | %,.0f | %.3f | %.3f | %.0f%% | %.2f | %.1f | %.0f%% | %d | %d |",
          mode == ReadOnlyOption.SAFE ? "quorum round" : "lease",
          load,
          reads / seconds,
          latencies.percentileMillis(50),
          latencies.percentileMillis(99),
          100.0 * fromLease / Math.max(1, reads),
          (double) messages / Math.max(1, reads),
          cpuNanos / 1e3 / Math.max(1, reads),
          100.0 * cpuNanos / 1e9 / seconds / Runtime.getRuntime().availableProcessors(),
          awake,
          refused);
    }
  }

  /** How a case sends its reads, until {@code end}; returns once all it sent are answered. */
  private interface Load {
    String describe();

    void drive(LocalRaftCluster cluster, Tally tally, long end) throws InterruptedException;
  }

  /**
   * Runs one case, once the groups have settled for {@code settleMillis}: a group read often in the
   * case before stays awake an election timeout after its last read, and its heartbeats would be
   * counted against this case's reads (4 messages per read of a case paced at one read per group
   * per second, after a flat-out case).
   */
  private static Result run(LocalRaftCluster cluster, Load load, int seconds, long settleMillis)
      throws Exception {
    Thread.sleep(settleMillis);
    Tally tally = new Tally(new ConcurrentHashMap<>(cluster.leaders()));
    Map<io.rangedb.raft.MessageType, Long> typesBefore = cluster.messagesSentByType();
    long leaseBefore = fromLease(cluster);
    long messagesBefore = messages(cluster);
    long cpuBefore = ThreadCpu.processNanos();
    long start = System.nanoTime();
    load.drive(cluster, tally, start + TimeUnit.SECONDS.toNanos(seconds));
    if (tally.failure.get() != null) {
      throw new IllegalStateException("a read failed", tally.failure.get());
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpu = ThreadCpu.processNanos() - cpuBefore;
    int awake = 0;
    for (LocalRaftNode n : cluster.liveNodes()) {
      awake += n.host.activeGroups().get(30, TimeUnit.SECONDS);
    }
    return new Result(
        load.describe(),
        CountingTransport.mixPer(typesBefore, cluster.messagesSentByType(), tally.reads.get()),
        tally.reads.get(),
        elapsed,
        tally.latencies,
        fromLease(cluster) - leaseBefore,
        messages(cluster) - messagesBefore,
        cpu,
        awake,
        tally.refused.get());
  }

  /**
   * What the reads of one case came to. A read is asked of the node that leads its group; a refusal
   * (leadership moved) sends the next read of that group where the refusal points.
   */
  private static final class Tally {
    private final Map<Long, Long> leaders;
    private final Latencies latencies = new Latencies();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    Tally(Map<Long, Long> leaders) {
      this.leaders = leaders;
    }

    CompletableFuture<Void> read(LocalRaftCluster cluster, long group) {
      long node = leaders.getOrDefault(group, 1L);
      long t0 = System.nanoTime();
      return cluster
          .node(node)
          .host
          .readIndex(group)
          .handle(
              (index, error) -> {
                Throwable cause =
                    error instanceof java.util.concurrent.CompletionException
                        ? error.getCause()
                        : error;
                if (cause == null) {
                  latencies.record(System.nanoTime() - t0);
                  reads.incrementAndGet();
                } else if (cause instanceof ProposalDroppedException d) {
                  refused.incrementAndGet();
                  leaders.put(group, d.leaderHint() != 0 ? d.leaderHint() : 1 + node % NODES);
                } else {
                  failure.compareAndSet(null, cause);
                }
                return null;
              });
    }
  }

  private static long fromLease(LocalRaftCluster cluster) throws Exception {
    long n = 0;
    for (LocalRaftNode node : cluster.liveNodes()) {
      n +=
          node.host
              .inspect(
                  view -> view.values().stream().mapToLong(RawNode::readsServedFromLease).sum())
              .get(30, TimeUnit.SECONDS);
    }
    return n;
  }

  private static long messages(LocalRaftCluster cluster) {
    return cluster.liveNodes().stream().mapToLong(n -> n.host.stats().messagesSent.get()).sum();
  }

  /**
   * Readers that each keep one read in flight, on a random group, and send the next once answered.
   */
  private record ClosedLoop(int readers, int groups) implements Load {
    @Override
    public String describe() {
      return readers + (readers == 1 ? " reader, " : " readers, ") + groups + " groups";
    }

    @Override
    public void drive(LocalRaftCluster cluster, Tally tally, long end) throws InterruptedException {
      CountDownLatch done = new CountDownLatch(readers);
      for (int r = 0; r < readers; r++) {
        next(cluster, tally, new SplittableRandom(r), end, done);
      }
      if (!done.await(TimeUnit.NANOSECONDS.toSeconds(end - System.nanoTime()) + 60L, SECONDS)) {
        throw new IllegalStateException("readers did not finish");
      }
    }

    private void next(
        LocalRaftCluster cluster,
        Tally tally,
        SplittableRandom rng,
        long end,
        CountDownLatch done) {
      if (System.nanoTime() >= end || tally.failure.get() != null) {
        done.countDown();
        return;
      }
      tally
          .read(cluster, 1 + rng.nextInt(groups))
          .thenRun(() -> next(cluster, tally, rng, end, done));
    }
  }

  /**
   * Every group read once per {@code everyMillis}, the reads spread evenly over the interval (in
   * batches each millisecond) and sent whether or not earlier ones were answered.
   */
  private record Paced(int everyMillis, int groups) implements Load {
    @Override
    public String describe() {
      return "each of " + groups + " groups every " + everyMillis + " ms";
    }

    @Override
    public void drive(LocalRaftCluster cluster, Tally tally, long end) throws InterruptedException {
      long start = System.nanoTime();
      long sent = 0;
      List<CompletableFuture<Void>> answers = new ArrayList<>();
      for (long now = start; now < end && tally.failure.get() == null; now = System.nanoTime()) {
        long due = (now - start) * groups / TimeUnit.MILLISECONDS.toNanos(everyMillis);
        for (; sent < due; sent++) {
          answers.add(tally.read(cluster, 1 + sent % groups));
        }
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
      try {
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(60, SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("paced reads not all answered", e);
      }
    }
  }
}
