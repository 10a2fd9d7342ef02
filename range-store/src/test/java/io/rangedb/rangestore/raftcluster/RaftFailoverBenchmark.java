package io.rangedb.rangestore.raftcluster;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.rangedb.raft.RawNode;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.Role;
import io.rangedb.raft.host.RaftHost;
import io.rangedb.raft.host.TickClock;
import io.rangedb.rangestore.ScratchDirectory;
import io.rangedb.rangestore.raftnet.GrpcRaftTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How long groups go without a leader when a node stops, and how long the node takes to come back:
 * 3 hosts in one JVM over gRPC on 127.0.0.1 with RocksDB and fsync on, leadership spread evenly,
 * idle groups quiesced, a light load of blocking proposers on random groups beside it.
 *
 * <p>Each round (after one not reported, to warm up) stops one node (its sockets close first, as
 * when its process dies; its peers are told nothing else), then proposes once to every group at
 * once and times, from the moment the stop began, when each proposal was applied by a leader (the
 * proposer follows leader hints and retries every half tick while no leader is known, as a client
 * would). The groups it did not lead show what the stop itself took. Then it restarts the node and
 * times its reopening (store, logs and every group's replica) and how long until every group on it
 * has applied what was committed before it came back.
 *
 * <p>Arguments: {@code [groups (default 1000)] [tick-millis (default 50)] [rounds (default 3)]
 * [load proposers (default 8)] [seconds down (default 0)] [reads: safe or lease (default safe)]}:
 * with seconds down, the node restarts no sooner than that long after its stop began (its peers'
 * reconnect backoffs grow meanwhile); with {@code lease}, groups read from leader leases and hosts
 * count their ticks by {@code System::nanoTime}, as lease reads need.
 */
public final class RaftFailoverBenchmark {
  private RaftFailoverBenchmark() {}

  public static void main(String[] args) throws Exception {
    int groups = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    long tickMillis = args.length > 1 ? Long.parseLong(args[1]) : 50;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int load = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    long downSeconds = args.length > 4 ? Long.parseLong(args[4]) : 0;
    String readsArg = args.length > 5 ? args[5] : "safe";
    if (groups < 1
        || tickMillis < 1
        || rounds < 1
        || load < 0
        || downSeconds < 0
        || !(readsArg.equals("safe") || readsArg.equals("lease"))) {
      throw new IllegalArgumentException(
          "need groups >= 1, tick-millis >= 1, rounds >= 1, load proposers >= 0, seconds"
              + " down >= 0 and reads safe or lease");
    }
    ReadOnlyOption reads =
        readsArg.equals("lease") ? ReadOnlyOption.LEASE_BASED : ReadOnlyOption.SAFE;
    Path root = Files.createTempDirectory("raft-failover");
    RaftHost.Options hostOptions = RaftHost.Options.defaults().withTickSlices(10);
    if (reads == ReadOnlyOption.LEASE_BASED) {
      hostOptions =
          hostOptions.withClock(
              new TickClock(System::nanoTime, TimeUnit.MILLISECONDS.toNanos(tickMillis)));
    }
    List<String> rows = new ArrayList<>();
    try (LocalRaftCluster cluster =
            new LocalRaftCluster(
                root,
                3,
                groups,
                tickMillis,
                false,
                false,
                reads,
                hostOptions,
                GrpcRaftTransport.Options.DEFAULT);
        ProposalStream background =
            load == 0 ? null : new ProposalStream(cluster, load, groups, "load-", 60_000)) {
      // A round first, not reported, so that the JIT has compiled what the rounds time: in a
      // fresh JVM the groups the stop did not touch took up to a second in the first round.
      cluster.balanceLeaders(0.9);
      round(cluster, 3, 0);
      for (int round = 1; round <= rounds; round++) {
        cluster.balanceLeaders(0.9);
        rows.add(round(cluster, 1 + (round - 1) % 3, downSeconds));
      }
      if (background != null) {
        background.stop();
      }
      System.out.printf(
          Locale.ROOT,
          "%n%d groups, 3 nodes, %s reads, %d ms ticks, each stopped node down at least %d s, %d background"
              + " proposers (%,d acknowledged, %,d failed or timed out while a node was down)%n",
          groups,
          readsArg,
          tickMillis,
          downSeconds,
          load,
          background == null ? 0 : background.acknowledged(),
          background == null ? 0 : background.failures());
    } finally {
      ScratchDirectory.delete(root);
    }
    System.out.println(
        "| node stopped | stopping it took ms | groups it led | from the stop to a commit, groups it led: p50 / p99 /"
            + " max ms | other groups: p50 / max ms | proposals failed | reopened in ms | all its"
            + " groups caught up in ms |");
    System.out.println("|---:|---:|---:|---|---|---:|---:|---:|");
    rows.forEach(System.out::println);
  }

  private static String round(LocalRaftCluster cluster, long victim, long downSeconds)
      throws Exception {
    Map<Long, Long> leaders = cluster.leaders();
    long t0 = System.nanoTime();
    cluster.stop(victim);
    long stopTook = System.nanoTime() - t0;
    Latencies led = new Latencies();
    Latencies others = new Latencies();
    AtomicInteger failed = new AtomicInteger();
    List<CompletableFuture<?>> proposals = new ArrayList<>();
    for (long g : cluster.groups()) {
      Latencies into = leaders.getOrDefault(g, 0L) == victim ? led : others;
      proposals.add(
          cluster
              .proposeAsync(g, ("failover-" + victim + "-" + g).getBytes(UTF_8), 60_000)
              .whenComplete(
                  (index, error) -> {
                    if (error == null) {
                      into.record(System.nanoTime() - t0);
                    } else {
                      failed.incrementAndGet();
                    }
                  }));
    }
    CompletableFuture.allOf(proposals.toArray(CompletableFuture[]::new))
        .handle((v, e) -> null)
        .get(120, TimeUnit.SECONDS);

    long back = t0 + TimeUnit.SECONDS.toNanos(downSeconds);
    while (System.nanoTime() < back) {
      Thread.sleep(Math.max(1, (back - System.nanoTime()) / 1_000_000));
    }
    Map<Long, Long> committed = commitIndexes(cluster);
    long t1 = System.nanoTime();
    cluster.restart(victim);
    long reopened = System.nanoTime() - t1;
    RaftHost host = cluster.node(victim).host;
    long deadline = t1 + TimeUnit.SECONDS.toNanos(120);
    while (behind(host, committed) > 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            behind(host, committed) + " groups on node " + victim + " did not catch up in 120 s");
      }
      Thread.sleep(10);
    }
    long caughtUp = System.nanoTime() - t1;
    return String.format(
        Locale.ROOT,
        "| %d | %.0f | %d | %.0f / %.0f / %.0f | %.0f / %.0f | %d | %.0f | %.0f |",
        victim,
        stopTook / 1e6,
        led.count(),
        led.percentileMillis(50),
        led.percentileMillis(99),
        led.percentileMillis(100),
        others.percentileMillis(50),
        others.percentileMillis(100),
        failed.get(),
        reopened / 1e6,
        caughtUp / 1e6);
  }

  /** Each group's commit index at its leader among the live nodes. */
  private static Map<Long, Long> commitIndexes(LocalRaftCluster cluster) throws Exception {
    Map<Long, Long> out = new HashMap<>();
    for (LocalRaftNode n : cluster.liveNodes()) {
      out.putAll(
          n.host
              .inspect(
                  view -> {
                    Map<Long, Long> led = new HashMap<>();
                    view.forEach(
                        (g, r) -> {
                          if (r.role() == Role.LEADER) {
                            led.put(g, r.commitIndex());
                          }
                        });
                    return led;
                  })
              .get(30, TimeUnit.SECONDS));
    }
    return out;
  }

  /** How many groups on {@code host} have not applied through {@code committed} yet. */
  private static long behind(RaftHost host, Map<Long, Long> committed) throws Exception {
    return host.inspect(
            view -> {
              long n = 0;
              for (Map.Entry<Long, RawNode> e : view.entrySet()) {
                if (e.getValue().appliedIndex() < committed.getOrDefault(e.getKey(), 0L)) {
                  n++;
                }
              }
              return n;
            })
        .get(30, TimeUnit.SECONDS);
  }
}
