package io.rangedb.rangestore.raftcluster;

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
 * <p>Per case: reads per second, p50 and p99, the share answered from a lease, Raft messages and
 * CPU per read, and how many groups are awake (ticked) when it ends: a lease group read within an
 * election timeout stays awake to keep its lease, a safe one quiesces once its reads are answered.
 *
 * <p>Arguments: {@code [seconds-per-case (default 10)] [tick-millis (default 50)] [groups (default
 * 1000)] [readers, comma-separated (default 1,64)]}.
 */
public final class RaftReadBenchmark {
  private RaftReadBenchmark() {}

  private static final int NODES = 3;

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    long tickMillis = args.length > 1 ? Long.parseLong(args[1]) : 50;
    int groups = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    int[] readerCounts =
        java.util.Arrays.stream((args.length > 3 ? args[3] : "1,64").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    if (seconds < 1 || tickMillis < 1 || groups < 1 || readerCounts.length == 0) {
      throw new IllegalArgumentException(
          "need seconds >= 1, tick-millis >= 1, groups >= 1 and at least one reader count");
    }
    Path root = Files.createTempDirectory("raft-reads");
    List<String> rows = new ArrayList<>();
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
            run(cluster, groups, readers, Math.max(5, seconds)); // warm-up, not reported
          }
          for (int readers : readerCounts) {
            rows.add(run(cluster, groups, readers, seconds).row(reads, groups));
          }
        }
      }
    } finally {
      ScratchDirectory.delete(root);
    }
    System.out.printf(
        Locale.ROOT,
        "%nLinearizable reads, 3 hosts, fsync on, %d ms ticks, %d s per case:%n",
        tickMillis,
        seconds);
    System.out.println(
        "| reads | case | reads/s | p50 ms | p99 ms | from a lease | messages / read | CPU / read"
            + " µs | groups awake at the end | refused |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    rows.forEach(System.out::println);
  }

  private record Result(
      int readers,
      long reads,
      double seconds,
      Latencies latencies,
      long fromLease,
      long messages,
      long cpuNanos,
      int awake,
      long refused) {
    String row(ReadOnlyOption mode, int groups) {
      return String.format(
          Locale.ROOT,
          "| %s | %d reader%s, %d groups | %,.0f | %.3f | %.3f | %.0f%% | %.2f | %.1f | %d | %d |",
          mode == ReadOnlyOption.SAFE ? "quorum round" : "lease",
          readers,
          readers == 1 ? "" : "s",
          groups,
          reads / seconds,
          latencies.percentileMillis(50),
          latencies.percentileMillis(99),
          100.0 * fromLease / Math.max(1, reads),
          (double) messages / Math.max(1, reads),
          cpuNanos / 1e3 / Math.max(1, reads),
          awake,
          refused);
    }
  }

  private static Result run(LocalRaftCluster cluster, int groups, int readers, int seconds)
      throws Exception {
    Map<Long, Long> leaders = new ConcurrentHashMap<>(cluster.leaders());
    Latencies lat = new Latencies();
    AtomicLong reads = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    long leaseBefore = fromLease(cluster);
    long messagesBefore = messages(cluster);
    long cpuBefore = ThreadCpu.processNanos();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    CountDownLatch done = new CountDownLatch(readers);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int r = 0; r < readers; r++) {
      new Reader(cluster, groups, leaders, new SplittableRandom(r), end, lat, reads, refused)
          .next(done, failure);
    }
    if (!done.await(seconds + 60L, TimeUnit.SECONDS)) {
      throw new IllegalStateException("readers did not finish");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a read failed", failure.get());
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpu = ThreadCpu.processNanos() - cpuBefore;
    int awake = 0;
    for (LocalRaftNode n : cluster.liveNodes()) {
      awake += n.host.activeGroups().get(30, TimeUnit.SECONDS);
    }
    return new Result(
        readers,
        reads.get(),
        elapsed,
        lat,
        fromLease(cluster) - leaseBefore,
        messages(cluster) - messagesBefore,
        cpu,
        awake,
        refused.get());
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
   * One closed-loop reader: one read in flight at a time, on a random group, asked of its leader; a
   * refusal (leadership moved) sends the next read of that group where the refusal points.
   */
  private static final class Reader {
    private final LocalRaftCluster cluster;
    private final int groups;
    private final Map<Long, Long> leaders;
    private final SplittableRandom rng;
    private final long end;
    private final Latencies lat;
    private final AtomicLong reads;
    private final AtomicLong refused;

    Reader(
        LocalRaftCluster cluster,
        int groups,
        Map<Long, Long> leaders,
        SplittableRandom rng,
        long end,
        Latencies lat,
        AtomicLong reads,
        AtomicLong refused) {
      this.cluster = cluster;
      this.groups = groups;
      this.leaders = leaders;
      this.rng = rng;
      this.end = end;
      this.lat = lat;
      this.reads = reads;
      this.refused = refused;
    }

    void next(CountDownLatch done, AtomicReference<Throwable> failure) {
      if (System.nanoTime() >= end || failure.get() != null) {
        done.countDown();
        return;
      }
      long group = 1 + rng.nextInt(groups);
      long node = leaders.getOrDefault(group, 1L);
      long t0 = System.nanoTime();
      cluster
          .node(node)
          .host
          .readIndex(group)
          .whenComplete(
              (index, error) -> {
                Throwable cause =
                    error instanceof java.util.concurrent.CompletionException
                        ? error.getCause()
                        : error;
                if (cause == null) {
                  lat.record(System.nanoTime() - t0);
                  reads.incrementAndGet();
                } else if (cause instanceof ProposalDroppedException d) {
                  refused.incrementAndGet();
                  leaders.put(group, d.leaderHint() != 0 ? d.leaderHint() : 1 + node % NODES);
                } else {
                  failure.compareAndSet(null, cause);
                }
                next(done, failure);
              });
    }
  }
}
