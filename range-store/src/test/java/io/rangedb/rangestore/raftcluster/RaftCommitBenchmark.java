package io.rangedb.rangestore.raftcluster;

import io.rangedb.raft.MessageType;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.host.CommitTrace;
import io.rangedb.raft.host.RaftHost;
import io.rangedb.rangestore.ScratchDirectory;
import io.rangedb.rangestore.raftnet.GrpcRaftTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 3's benchmark: Raft commit throughput and latency of 3 hosts in one JVM on loopback, with
 * RocksDB and fsync on, for 1 and 64 concurrent proposers on one group and on 1,000 groups,
 * 100-byte commands; beside them, in the same run, a synced RocksDB write of the same batch and a
 * gRPC round trip on loopback. Run with bench/raft-commit.sh (or see it for the Maven command).
 *
 * <p>Arguments: {@code [seconds-per-case (default 10)] [tick-millis (default 50)] [groups (default
 * 1,1000)] [proposers (default 1,64)] [rounds (default 1)] [trace]}; groups and proposers are
 * comma-separated lists, so that a profiler can be pointed at one case (e.g. {@code 10 50 1000
 * 64}). With several rounds the proposer counts of a group count are run in turn, round after
 * round, and the throughput ratio of the last to the first count is given per round and as the
 * median: on a noisy machine, cases measured minutes apart differ by more than the ratio's error.
 * With {@code trace}, each measured case also prints where its commits spent their time, hop by hop
 * ({@link CommitPathTrace}, every 20th group).
 */
public final class RaftCommitBenchmark {
  private RaftCommitBenchmark() {}

  private record Result(
      String name, long commits, double seconds, Latencies latencies, long messages, long fsyncs) {
    double perSecond() {
      return commits / seconds;
    }

    Result inRound(int round) {
      return new Result(name + ", round " + round, commits, seconds, latencies, messages, fsyncs);
    }
  }

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    long tickMillis = args.length > 1 ? Long.parseLong(args[1]) : 50;
    Path root = Files.createTempDirectory("raft-bench");
    try {
      Latencies fsync = MachineLimits.syncedWrites(root.resolve("fsync"), 2_000);
      Latencies rtt = MachineLimits.grpcRoundTrips(5_000);
      List<Result> results = new ArrayList<>();
      List<String> ratios = new ArrayList<>();
      int[] groupCounts = ints(args, 2, "1,1000");
      int[] proposerCounts = ints(args, 3, "1,64");
      int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 1;
      if (rounds < 1) {
        throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
      }
      CommitPathTrace trace = null;
      if (args.length > 5) {
        if (!args[5].equals("trace")) {
          throw new IllegalArgumentException(
              "the sixth argument can only be trace, got " + args[5]);
        }
        trace = new CommitPathTrace(20);
      }
      // Ticks in 10 slices (every 5 ms at a 50 ms tick): with 1,000 groups a tick in one piece is
      // a cycle of about 2 ms on each host, which a commit in flight may wait behind.
      RaftHost.Options hostOptions =
          RaftHost.Options.defaults()
              .withCompactAfterEntries(10_000)
              .withTrace(trace == null ? CommitTrace.NONE : trace)
              .withTickSlices(10);
      for (int groups : groupCounts) {
        try (LocalRaftCluster cluster =
            new LocalRaftCluster(
                root.resolve("g" + groups),
                3,
                groups,
                tickMillis,
                false,
                false,
                ReadOnlyOption.SAFE,
                hostOptions,
                GrpcRaftTransport.Options.DEFAULT)) {
          cluster.balanceLeaders(0.9);
          // Warm-up, not reported: long enough at full load for the JIT to compile the hot paths,
          // which otherwise compete for the two cores during the first measured case.
          for (int proposers : proposerCounts) {
            run(cluster, groups, proposers, Math.max(5, seconds));
          }
          List<Double> perRound = new ArrayList<>();
          for (int round = 1; round <= rounds; round++) {
            List<Result> these = new ArrayList<>();
            for (int proposers : proposerCounts) {
              if (trace != null) {
                trace.start();
              }
              Result r = run(cluster, groups, proposers, seconds);
              if (trace != null) {
                trace.stop();
                System.out.printf(
                    Locale.ROOT,
                    "%nWhere the commits of \"%s\" (round %d) went, from the leader's loop stepping"
                        + " the proposal:%n%s",
                    r.name(),
                    round,
                    trace.report());
              }
              these.add(rounds == 1 ? r : r.inRound(round));
            }
            results.addAll(these);
            perRound.add(these.get(these.size() - 1).perSecond() / these.get(0).perSecond());
          }
          if (proposerCounts.length > 1) {
            ratios.add(ratioLine(groups, proposerCounts, perRound));
          }
        }
      }
      print(fsync, rtt, results, seconds);
      ratios.forEach(System.out::println);
    } finally {
      ScratchDirectory.delete(root);
    }
  }

  private static Result run(LocalRaftCluster cluster, int groups, int proposers, int seconds)
      throws Exception {
    Latencies lat = new Latencies();
    AtomicLong commits = new AtomicLong();
    long messagesBefore = sum(cluster, s -> s.messagesSent.get());
    Map<MessageType, Long> typesBefore = cluster.messagesSentByType();
    long fsyncsBefore = sum(cluster, s -> s.batchSyncs);
    long cyclesBefore = sum(cluster, s -> s.cycles);
    long writesBefore = sum(cluster, s -> s.batchCommits);
    long sendsBefore = sum(cluster, s -> s.sends.get());
    long silencedBefore = sum(cluster, s -> s.peersSilenced);
    long cpuBefore = ThreadCpu.processNanos();
    cluster.liveNodes().forEach(node -> node.timedLogs.takeSyncs()); // from this case on
    Map<String, Long> threadsBefore = ThreadCpu.snapshot();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    // Each proposer keeps one proposal in flight and issues its next one from the completion of
    // the last (on the leader's loop thread), as a server answering requests asynchronously
    // would: no client thread parks and is woken per commit. That hand-off cost the loop threads
    // an eighth of the machine in the profile of 64 blocking proposer threads on 1,000 groups.
    CountDownLatch done = new CountDownLatch(proposers);
    java.util.concurrent.atomic.AtomicReference<Throwable> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    long start = System.nanoTime();
    for (int p = 0; p < proposers; p++) {
      new AsyncProposer(cluster, groups, new SplittableRandom(p), end, lat, commits, done, failure)
          .next();
    }
    if (!done.await(seconds + 60L, TimeUnit.SECONDS)) {
      throw new IllegalStateException("proposers did not finish");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a proposal failed", failure.get());
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpu = ThreadCpu.processNanos() - cpuBefore;
    Map<String, Long> threadsAfter = ThreadCpu.snapshot();
    String mix = CountingTransport.mixPer(typesBefore, cluster.messagesSentByType(), commits.get());
    System.out.println(groups + " groups, " + proposers + " proposers, messages per commit:" + mix);
    double n = commits.get();
    printSyncs(groups, proposers, cluster, elapsed);
    System.out.printf(
        Locale.ROOT,
        "%d groups, %d proposers, per commit: loop cycles=%.2f log writes=%.2f transport sends=%.2f"
            + " CPU=%.1f us (%.0f%% of the cores); peer nodes judged silent, all being up: %d%n",
        groups,
        proposers,
        (sum(cluster, st -> st.cycles) - cyclesBefore) / n,
        (sum(cluster, st -> st.batchCommits) - writesBefore) / n,
        (sum(cluster, st -> st.sends.get()) - sendsBefore) / n,
        cpu / 1e3 / n,
        100.0 * cpu / (elapsed * 1e9 * Runtime.getRuntime().availableProcessors()),
        sum(cluster, st -> st.peersSilenced) - silencedBefore);
    System.out.println(
        groups
            + " groups, "
            + proposers
            + " proposers, CPU per commit by thread: "
            + ThreadCpu.perCommit(threadsBefore, threadsAfter, commits.get()));
    String name =
        proposers
            + " proposer"
            + (proposers == 1 ? "" : "s")
            + ", "
            + groups
            + " group"
            + (groups == 1 ? "" : "s");
    return new Result(
        name,
        commits.get(),
        elapsed,
        lat,
        sum(cluster, st -> st.messagesSent.get()) - messagesBefore,
        sum(cluster, st -> st.batchSyncs) - fsyncsBefore);
  }

  /** One closed-loop proposer: one 100-byte command in flight at a time, to a random group. */
  private static final class AsyncProposer {
    private final LocalRaftCluster cluster;
    private final int groups;
    private final SplittableRandom rng;
    private final long end;
    private final Latencies lat;
    private final AtomicLong commits;
    private final CountDownLatch done;
    private final java.util.concurrent.atomic.AtomicReference<Throwable> failure;
    private final byte[] command = new byte[100];

    AsyncProposer(
        LocalRaftCluster cluster,
        int groups,
        SplittableRandom rng,
        long end,
        Latencies lat,
        AtomicLong commits,
        CountDownLatch done,
        java.util.concurrent.atomic.AtomicReference<Throwable> failure) {
      this.cluster = cluster;
      this.groups = groups;
      this.rng = rng;
      this.end = end;
      this.lat = lat;
      this.commits = commits;
      this.done = done;
      this.failure = failure;
    }

    void next() {
      if (System.nanoTime() >= end || failure.get() != null) {
        done.countDown();
        return;
      }
      rng.nextBytes(command);
      long group = 1 + rng.nextInt(groups);
      long t0 = System.nanoTime();
      cluster
          .proposeAsync(group, command.clone(), 10_000)
          .whenComplete(
              (index, error) -> {
                if (error != null) {
                  failure.compareAndSet(null, error);
                  done.countDown();
                  return;
                }
                lat.record(System.nanoTime() - t0);
                commits.incrementAndGet();
                next();
              });
    }
  }

  private static long sum(
      LocalRaftCluster cluster, java.util.function.ToLongFunction<RaftHost.Stats> f) {
    return cluster.liveNodes().stream().mapToLong(n -> f.applyAsLong(n.host.stats())).sum();
  }

  /**
   * The hosts' fsyncs in a case: how long they took, and how many stalled past 5 ms (this VM's disk
   * stalls every store's fsyncs at once for 10-20 ms, a few times a second under load).
   */
  private static void printSyncs(
      int groups, int proposers, LocalRaftCluster cluster, double elapsed) {
    long count = 0;
    long stalled = 0;
    double worstP99 = 0;
    for (LocalRaftNode node : cluster.liveNodes()) {
      Latencies syncs = node.timedLogs.takeSyncs();
      count += syncs.count();
      stalled += syncs.countOver(5_000_000);
      worstP99 = Math.max(worstP99, syncs.percentileMillis(99));
    }
    System.out.printf(
        Locale.ROOT,
        "%d groups, %d proposers, fsyncs: %,d (%.0f/s), p99 %.3f ms on the slowest host, %d over 5"
            + " ms (%.1f/s)%n",
        groups,
        proposers,
        count,
        count / elapsed,
        worstP99,
        stalled,
        stalled / elapsed);
  }

  private static void print(Latencies fsync, Latencies rtt, List<Result> results, int seconds) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%nMachine limits (same run):%n"));
    out.append(String.format(Locale.ROOT, "| measurement | p50 ms | p99 ms |%n|---|---:|---:|%n"));
    out.append(row("synced RocksDB write (100-byte entry + hard state)", fsync));
    out.append(row("gRPC unary round trip on loopback", rtt));
    double floor = fsync.percentileMillis(50) + rtt.percentileMillis(50);
    out.append(
        String.format(
            Locale.ROOT,
            "%nRaft commits, 3 hosts, fsync on, 100-byte commands, %d s per case:%n",
            seconds));
    out.append(
        String.format(
            Locale.ROOT,
            "| case | commits/s | p50 ms | p99 ms | p50 / (fsync + RTT) | messages / commit"
                + " | fsyncs / commit |%n|---|---:|---:|---:|---:|---:|---:|%n"));
    for (Result r : results) {
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %,.0f | %.3f | %.3f | %.2f | %.2f | %.3f |%n",
              r.name(),
              r.perSecond(),
              r.latencies().percentileMillis(50),
              r.latencies().percentileMillis(99),
              r.latencies().percentileMillis(50) / floor,
              (double) r.messages() / r.commits(),
              (double) r.fsyncs() / r.commits()));
    }
    System.out.print(out);
  }

  private static String ratioLine(int groups, int[] proposerCounts, List<Double> perRound) {
    List<Double> sorted = perRound.stream().sorted().toList();
    int n = sorted.size();
    double median =
        n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    StringBuilder each = new StringBuilder();
    for (double r : perRound) {
      each.append(each.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.1fx", r));
    }
    return String.format(
        Locale.ROOT,
        "Throughput %d vs %d proposer%s, %,d group%s: %s%s",
        proposerCounts[proposerCounts.length - 1],
        proposerCounts[0],
        proposerCounts[0] == 1 ? "" : "s",
        groups,
        groups == 1 ? "" : "s",
        each,
        n > 1 ? String.format(Locale.ROOT, " (median %.1fx)", median) : "");
  }

  private static int[] ints(String[] args, int i, String fallback) {
    return java.util.Arrays.stream((args.length > i ? args[i] : fallback).split(","))
        .mapToInt(Integer::parseInt)
        .toArray();
  }

  private static String row(String name, Latencies l) {
    return String.format(
        Locale.ROOT,
        "| %s | %.3f | %.3f |%n",
        name,
        l.percentileMillis(50),
        l.percentileMillis(99));
  }

  /** CPU time of the whole JVM (hosts, gRPC, proposers, GC, JIT), in nanoseconds. */
}
