package io.rangedb.rangestore.raftcluster;

import io.rangedb.raft.ConfChange;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.ProposalDroppedException;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.host.RaftHost;
import io.rangedb.rangestore.raftnet.GrpcRaftTransport;
import io.rangedb.rangestore.storage.StoreOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * N nodes in one JVM over real gRPC on 127.0.0.1 and real RocksDB in temp directories, every node a
 * voter of every group. Nodes can be stopped and restarted on their directory and port.
 */
final class LocalRaftCluster implements AutoCloseable {
  private final Path root;
  private final int size;
  private final List<Long> groups;
  private final long tickMillis;
  private final boolean rememberCommands;
  private final RaftHost.Options hostOptions;
  private final GrpcRaftTransport.Options transportOptions;
  private final boolean storedState;
  private final ReadOnlyOption reads;
  private final Map<Long, LocalRaftNode> nodes = new ConcurrentHashMap<>();
  private final Map<Long, Integer> ports = new ConcurrentHashMap<>();
  private final Map<Long, String> addresses = new ConcurrentHashMap<>();
  private final Map<Long, Long> leaderGuess = new ConcurrentHashMap<>();
  private final ConfState founders;
  private int restarts;

  /**
   * @param rememberCommands whether nodes keep every applied command (for checks) or only count
   *     them (for benchmarks)
   * @param storedState whether each node keeps its record of applied commands in its store ({@link
   *     StoredRecordingStateMachine}) instead of rebuilding it from the Raft log
   * @param reads how every group reads; lease-based reads need hosts with a clock ({@code
   *     hostOptions})
   * @param hostOptions every host's options (log compaction, commit tracing)
   * @param transportOptions every node's transport's options (snapshot pacing, say)
   */
  LocalRaftCluster(
      Path root,
      int size,
      int groupCount,
      long tickMillis,
      boolean rememberCommands,
      boolean storedState,
      ReadOnlyOption reads,
      RaftHost.Options hostOptions,
      GrpcRaftTransport.Options transportOptions)
      throws Exception {
    this.reads = reads;
    this.transportOptions = transportOptions;
    this.root = root;
    this.rememberCommands = rememberCommands;
    this.storedState = storedState;
    this.hostOptions = hostOptions;
    this.size = size;
    this.tickMillis = tickMillis;
    List<Long> g = new ArrayList<>();
    for (long i = 1; i <= groupCount; i++) {
      g.add(i);
    }
    this.groups = List.copyOf(g);
    Set<Long> voters = new HashSet<>();
    for (long n = 1; n <= size; n++) {
      voters.add(n);
    }
    founders = new ConfState(voters, Set.of(), Set.of(), Set.of(), false);
    for (long n = 1; n <= size; n++) {
      start(n, true);
    }
  }

  List<Long> groups() {
    return groups;
  }

  List<LocalRaftNode> liveNodes() {
    return List.copyOf(nodes.values());
  }

  /**
   * Raft messages the live hosts have sent so far, by type (their liveness pings as heartbeats).
   */
  java.util.Map<io.rangedb.raft.MessageType, Long> messagesSentByType() {
    java.util.Map<io.rangedb.raft.MessageType, Long> out =
        new java.util.EnumMap<>(io.rangedb.raft.MessageType.class);
    for (io.rangedb.raft.MessageType t : io.rangedb.raft.MessageType.values()) {
      out.put(t, 0L);
    }
    for (LocalRaftNode n : liveNodes()) {
      n.sent.counts().forEach((t, c) -> out.merge(t, c, Long::sum));
    }
    return out;
  }

  LocalRaftNode node(long id) {
    return nodes.get(id);
  }

  private void start(long id, boolean bootstrap) throws Exception {
    LocalRaftNode node =
        LocalRaftNode.start(
            id,
            StoreOptions.onDisk(root.resolve("n" + id)),
            ports.getOrDefault(id, 0),
            addresses::get,
            groups,
            founders,
            bootstrap,
            tickMillis,
            id * 1_000_003L + restarts++,
            rememberCommands,
            storedState,
            reads,
            hostOptions,
            transportOptions);
    ports.put(id, node.port());
    addresses.put(id, "127.0.0.1:" + node.port());
    nodes.put(id, node);
  }

  void stop(long id) throws Exception {
    LocalRaftNode node = nodes.remove(id);
    if (node != null) {
      node.close();
    }
  }

  void restart(long id) throws Exception {
    start(id, false);
  }

  /**
   * Starts a new node that is in no group yet: it opens every group on an empty log, to receive a
   * snapshot from the leader once a membership change adds it.
   */
  void join(long id) throws Exception {
    if (ports.containsKey(id)) {
      throw new IllegalArgumentException("node " + id + " is already part of this cluster");
    }
    start(id, false);
  }

  /** The directory of node {@code id}'s store. */
  Path dirOf(long id) {
    return root.resolve("n" + id);
  }

  /**
   * Proposes a membership change to the leader of {@code group}, retrying like {@link #propose}
   * (also while an earlier change is not applied yet). Completes with its index once applied there.
   */
  long changeMembers(long group, ConfChange change, long timeoutMillis) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    return attempt(
            group,
            host -> host.proposeConfChange(group, change),
            leaderGuess.getOrDefault(group, 1 + (group % size)),
            deadline)
        .get(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * Proposes {@code command} to the leader of {@code group}, following leader hints and retrying
   * while there is no leader. Completes with the index once the leader applied it; fails when no
   * node accepted it within {@code timeoutMillis} or the outcome is unknown (the leader stopped).
   */
  long propose(long group, byte[] command, long timeoutMillis) throws Exception {
    try {
      return proposeAsync(group, command, timeoutMillis).get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new TimeoutException("proposal to group " + group + " did not complete in time");
    }
  }

  /**
   * {@link #propose(long, byte[], long)} without blocking a thread: the future completes with the
   * index once the leader applied the command (on that host's loop thread), after following leader
   * hints and retrying, with a pause, while no leader is known.
   */
  CompletableFuture<Long> proposeAsync(long group, byte[] command, long timeoutMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    return attempt(
        group,
        host -> host.propose(group, command),
        leaderGuess.getOrDefault(group, 1 + (group % size)),
        deadline);
  }

  private CompletableFuture<Long> attempt(
      long group,
      java.util.function.Function<RaftHost, CompletableFuture<Long>> op,
      long target,
      long deadline) {
    LocalRaftNode node = nodes.get(target);
    CompletableFuture<Long> f;
    if (node == null) {
      f =
          CompletableFuture.failedFuture(
              new ProposalDroppedException(
                  ProposalDroppedException.Reason.NO_LEADER, 0, "node " + target + " is down"));
    } else {
      try {
        f = op.apply(node.host);
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        f = CompletableFuture.failedFuture(stopping);
      }
    }
    return f.handle(
            (index, error) -> {
              if (error == null) {
                leaderGuess.put(group, target);
                return CompletableFuture.completedFuture(index);
              }
              Throwable cause = error instanceof CompletionException ? error.getCause() : error;
              if (!(cause instanceof ProposalDroppedException dropped)
                  || dropped.reason() == ProposalDroppedException.Reason.SUPERSEDED
                  || dropped.reason() == ProposalDroppedException.Reason.CONF_CHANGE_INVALID) {
                return CompletableFuture.<Long>failedFuture(cause);
              }
              if (System.nanoTime() > deadline) {
                return CompletableFuture.<Long>failedFuture(
                    new TimeoutException("no leader accepted a proposal to group " + group));
              }
              if (dropped.leaderHint() != 0 && dropped.leaderHint() != target) {
                return attempt(group, op, dropped.leaderHint(), deadline);
              }
              long next = nodeAfter(target);
              return CompletableFuture.supplyAsync(
                      () -> next,
                      CompletableFuture.delayedExecutor(
                          Math.max(1, tickMillis / 2), TimeUnit.MILLISECONDS))
                  .thenCompose(n -> attempt(group, op, n, deadline));
            })
        .thenCompose(x -> x);
  }

  /** The next node id after {@code id} among the cluster's nodes, wrapping around. */
  private long nodeAfter(long id) {
    java.util.TreeSet<Long> ids = new java.util.TreeSet<>(ports.keySet());
    Long next = ids.higher(id);
    return next != null ? next : ids.first();
  }

  /** The leader of each group as its live nodes see it (0 where none is known). */
  Map<Long, Long> leaders() throws Exception {
    Map<Long, Long> out = new java.util.TreeMap<>();
    for (LocalRaftNode n : nodes.values()) {
      Map<Long, Long> led =
          n.host
              .inspect(
                  m -> {
                    Map<Long, Long> l = new java.util.HashMap<>();
                    m.forEach(
                        (g, r) -> {
                          if (r.role() == io.rangedb.raft.Role.LEADER) {
                            l.put(g, r.id());
                          }
                        });
                    return l;
                  })
              .get(30, TimeUnit.SECONDS);
      out.putAll(led);
    }
    return out;
  }

  /**
   * Spreads leadership evenly (group g to node 1 + g % size), as a rebalancer would, so that every
   * node leads some groups. Returns once at least {@code fraction} of the groups moved.
   */
  void balanceLeaders(double fraction) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Map<Long, Long> leaders = leaders();
      long placed = 0;
      for (long g : groups) {
        long want = 1 + g % size;
        Long have = leaders.get(g);
        if (have != null && have == want) {
          placed++;
        } else if (have != null && nodes.containsKey(have)) {
          nodes.get(have).host.transferLeadership(g, want);
        }
      }
      if (placed >= fraction * groups.size()) {
        leaderGuess.clear();
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("only " + placed + " groups have their intended leader");
      }
      Thread.sleep(200);
    }
  }

  @Override
  public void close() throws Exception {
    Exception first = null;
    for (long id : List.copyOf(nodes.keySet())) {
      try {
        stop(id);
      } catch (Exception e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
