package io.rangedb.rangestore.raftcluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rangedb.raft.host.RaftHost;
import io.rangedb.rangestore.raftcluster.RecordingStateMachine.Applied;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raft durability across real process crashes: 3 {@link RaftNodeProcess} JVMs on 127.0.0.1, each
 * with RocksDB in its own directory, ~50 groups that snapshot and truncate their logs as they go.
 * Client threads propose unique payloads while the test SIGKILLs a node at a random moment (later
 * rounds a node that leads groups), keeps proposing to the other two, and restarts the killed node
 * on its directory; several rounds. Then every acknowledged proposal must be applied on every node,
 * once, at the index it was acknowledged with; all nodes must have applied the same sequence per
 * group; no payload twice; and a proposal answered with a definite error never applied.
 *
 * <p>The same test pauses nodes instead (SIGSTOP, then SIGCONT): a paused leader's peers elect
 * others and go on, and it comes back with the old term, proposals and leaderships it no longer
 * has, streams its peers may have given up on, and a burst of the ticks it missed.
 *
 * <p>Or it cuts nodes off (every Raft message and snapshot between them and the others dropped at
 * the receiver, the processes running on): a cut-off leader goes on believing it leads, takes
 * proposals it cannot commit, and must stop answering reads from its lease before its peers can
 * elect another.
 *
 * <p>With lease reads the groups answer reads from their leaders' leases, counted by the monotonic
 * clock, which goes on through a pause; clients read as much as they write, and a node paused or
 * cut off is asked to read each group it led, one every 20 ms, until it resumes or is let through
 * again. No read may miss a write acknowledged before it was sent.
 *
 * <p>System properties: {@code raftkill.seed} (the random choices; printed, with a replay command,
 * on failure), {@code raftkill.rounds} (rounds of a fault and its repair, default 3), {@code
 * raftkill.long=true} (a longer run: 12 rounds). Timing still varies between runs with one seed.
 */
class RaftKillNineTest {
  private static final int NODES = 3;
  private static final int GROUPS = 50;
  private static final int CLIENTS = 6;
  private static final long TICK_MILLIS = 50;

  /**
   * Groups snapshot and truncate their logs this often, so that nodes are killed while they
   * compact, restart from their snapshots, and catch up by snapshot when their peers truncated past
   * them.
   */
  private static final long COMPACT_AFTER_ENTRIES = 40;

  /** How long a client waits for one answer before it counts the outcome as unknown. */
  private static final long ANSWER_SECONDS = 15;

  /**
   * The same when nodes are paused or cut off: a client that asked one gives up soon (a hundred
   * times a loaded commit's p99 here) and asks another, so that the other two are kept busy from
   * the moment they elect leaders, while the victim may still believe it leads.
   */
  private static final long SHORT_ANSWER_MILLIS = 500;

  /** Generous: a loaded 2-core machine starts JVMs slowly. */
  private static final long DEADLINE_SECONDS = 90;

  /** How long the nodes may take to apply the same commands once proposals stop. */
  private static final long CONVERGENCE_SECONDS = 60;

  @TempDir Path dir;

  /**
   * Node processes not killed yet, killed if this JVM exits first: a paused one would not see its
   * stdin close, and would keep its ports and directory.
   */
  private static final Set<Process> CHILDREN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> CHILDREN.forEach(Process::destroyForcibly)));
  }

  private final Node[] nodes = new Node[NODES + 1];
  private ExecutorService clients;

  /** Acknowledged proposals: payload -> where it was applied (by the leader that answered). */
  private final Map<String, Ack> acked = new ConcurrentHashMap<>();

  private final Map<String, Long> proposedTo = new ConcurrentHashMap<>();
  private final Set<String> rejected = ConcurrentHashMap.newKeySet();
  private final AtomicLong unknown = new AtomicLong();
  private final List<String> protocolErrors = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Where an acknowledged proposal was applied, and when the client saw its acknowledgement. */
  private record Ack(long group, long index, long node, long nanos) {}

  /** Reads sent: id -> when. */
  private final Map<String, Long> readsSent = new ConcurrentHashMap<>();

  /** Reads answered with a value, as they were answered. */
  private final java.util.Queue<ReadAnswer> readAnswers =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  private final AtomicLong readErrors = new AtomicLong();
  private final AtomicLong probesSent = new AtomicLong();
  private final AtomicLong readIds = new AtomicLong();

  /**
   * A read's answer: the last command applied to {@code group} on {@code node} when the read
   * completed ({@code index} 0 if none yet), and when the read was sent.
   */
  private record ReadAnswer(
      String id, long group, long node, long sent, long index, String command) {
    @Override
    public String toString() {
      return "read " + id + " of group " + group + " answered by node " + node;
    }
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (clients != null) {
      clients.shutdownNow();
      clients.awaitTermination(30, TimeUnit.SECONDS);
    }
    for (Node n : nodes) {
      if (n != null && n.proc != null) {
        n.proc.kill();
      }
    }
  }

  /** Whether the nodes keep their state machines in their stores, for the test running. */
  private boolean storedState;

  /** What the test does to a node each round, and how it undoes it. */
  private enum Fault {
    /** SIGKILL, then a new process on the node's directory. */
    KILL("killed"),
    /** SIGSTOP, then SIGCONT. */
    PAUSE("paused"),
    /** Every Raft message and snapshot between it and the others dropped, then let through. */
    PARTITION("cut off");

    final String done;

    Fault(String done) {
      this.done = done;
    }

    /** Whether the node's process lives through it, so that its peers elect others meanwhile. */
    boolean survived() {
      return this != KILL;
    }
  }

  private Fault fault = Fault.KILL;

  /** Whether groups serve reads from leases and clients read as well as write. */
  private boolean leaseReads;

  private final boolean longRun = Boolean.getBoolean("raftkill.long");

  @Test
  void acknowledgedProposalsSurviveKillNineOfAnyNode() throws Throwable {
    killAndCheck("acknowledgedProposalsSurviveKillNineOfAnyNode");
  }

  /**
   * The same with state machines that keep their record in the node's store beside the Raft log
   * ({@link RaftHost.DurableStateMachine}): a killed node resumes after what its store says it
   * applied, replaying nothing, and compactions copy no state into the log.
   */
  @Test
  void acknowledgedProposalsSurviveKillNineOfAnyNodeWithStateMachinesKeptInTheStore()
      throws Throwable {
    storedState = true;
    killAndCheck("acknowledgedProposalsSurviveKillNineOfAnyNodeWithStateMachinesKeptInTheStore");
  }

  /**
   * Nodes that lead groups are paused long enough for their peers to elect others, in the last
   * round until their peers have compacted past them, then resumed; nothing acknowledged is lost.
   */
  @Test
  void acknowledgedProposalsSurvivePausesOfAnyNode() throws Throwable {
    fault = Fault.PAUSE;
    killAndCheck("acknowledgedProposalsSurvivePausesOfAnyNode");
  }

  /**
   * Nodes that lead groups are cut off from the others (each side drops what the other sends) long
   * enough for the others to elect leaders, in the last round until they have compacted past the
   * victim, then let through again: the cut-off leader's proposals never commit unless the next
   * leader keeps them, it catches up by snapshot, and nothing acknowledged is lost.
   */
  @Test
  void acknowledgedProposalsSurvivePartitionsOfAnyNode() throws Throwable {
    fault = Fault.PARTITION;
    killAndCheck("acknowledgedProposalsSurvivePartitionsOfAnyNode");
  }

  /**
   * Paused as above, with groups answering reads from their leaders' leases: a leader paused past
   * its lease must not answer from it when it resumes, though its peers have elected others and
   * committed writes it has not seen; every read sees every write acknowledged before it was sent.
   */
  @Test
  void readsFromLeasesMissNoAcknowledgedWriteAcrossPausesOfAnyNode() throws Throwable {
    fault = Fault.PAUSE;
    leaseReads = true;
    killAndCheck("readsFromLeasesMissNoAcknowledgedWriteAcrossPausesOfAnyNode");
  }

  /**
   * Nodes that lead groups are cut off from the others while clients write and read from leases,
   * long enough for the others to elect leaders and commit, then let through again: a cut-off
   * leader must stop answering from its lease before another can be elected, its proposals never
   * commit unless the next leader keeps them, and nothing acknowledged is lost. Groups quiesce as
   * they do by default: those read twice within an election timeout stay awake and keep their
   * lease.
   */
  @Test
  void readsFromLeasesMissNoAcknowledgedWriteAcrossPartitionsOfAnyNode() throws Throwable {
    fault = Fault.PARTITION;
    leaseReads = true;
    killAndCheck("readsFromLeasesMissNoAcknowledgedWriteAcrossPartitionsOfAnyNode");
  }

  private void killAndCheck(String method) throws Throwable {
    long seed = Long.getLong("raftkill.seed", System.nanoTime());
    int rounds = Integer.getInteger("raftkill.rounds", longRun ? 12 : 3);
    String replay =
        "bin/mvn -B -o -pl wire,txn,raft,range-store verify -Dtest=RaftKillNineTest#"
            + method
            + " -Dsurefire.failIfNoSpecifiedTests=false -Draftkill.seed="
            + seed
            + " -Draftkill.rounds="
            + rounds;
    System.err.println(
        "RaftKillNineTest seed " + seed + ", " + rounds + " rounds; replay: " + replay);
    try {
      run(new SplittableRandom(seed), rounds);
    } catch (Throwable t) {
      Path kept = keepLogs(seed);
      throw new AssertionError(
          "seed " + seed + " failed (node logs in " + kept + "); replay: " + replay + "\n" + t, t);
    }
  }

  private void run(SplittableRandom rng, int rounds) throws Exception {
    long began = System.nanoTime();
    int[] ports = freePorts(NODES);
    for (int id = 1; id <= NODES; id++) {
      nodes[id] = new Node(id, dir.resolve("n" + id), dir.resolve("n" + id + ".log"), ports);
    }
    for (int id = 1; id <= NODES; id++) {
      nodes[id].start(rng.nextLong());
    }
    for (int id = 1; id <= NODES; id++) {
      nodes[id].proc.awaitReady("bootstrapped");
    }

    AtomicBoolean running = new AtomicBoolean(true);
    clients = Executors.newFixedThreadPool(CLIENTS);
    List<Future<?>> workers = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      SplittableRandom clientRng = rng.split();
      workers.add(clients.submit(() -> clientLoop(client, clientRng, running)));
    }
    awaitAcked(100);

    int lastVictim = 0;
    for (int round = 0; round < rounds; round++) {
      sleep(rng.nextInt(300, 2_500));
      int victim;
      List<Long> led = List.of();
      if (round == 0) {
        victim = 1 + rng.nextInt(NODES);
      } else {
        // A node that leads some groups: its groups must elect new leaders mid-stream.
        Map<Integer, List<Long>> leading = new TreeMap<>();
        for (int id = 1; id <= NODES; id++) {
          List<Long> l = nodes[id].proc.leading();
          if (!l.isEmpty()) {
            leading.put(id, l);
          }
        }
        List<Integer> leaders = new ArrayList<>(leading.keySet());
        victim =
            leaders.isEmpty() ? 1 + rng.nextInt(NODES) : leaders.get(rng.nextInt(leaders.size()));
        led = leading.getOrDefault(victim, List.of());
      }
      long before = acked.size();
      switch (fault) {
        case KILL -> nodes[victim].proc.kill();
        case PAUSE -> nodes[victim].proc.signal("STOP");
        case PARTITION -> cutOff(victim, true);
      }
      // From now until it is repaired, the victim is asked to read every group it led, in turn:
      // the reads a leader would answer wrongly if it believed a lease that ran out while others
      // were elected and committed (a paused one takes them in as it resumes).
      try (Prober prober = new Prober(victim, leaseReads && fault.survived() ? led : List.of())) {
        System.err.printf(
            "%.1f s, round %d: %s node %d (leading %d groups) with %d proposals acknowledged%n",
            (System.nanoTime() - began) / 1e9, round, fault.done, victim, led.size(), before);
        // The other two carry on; in the last round long enough (about 60 entries a group, past
        // the compactions' 40) that the victim comes back behind their logs and must catch up
        // from snapshots.
        awaitAcked(acked.size() + (round == rounds - 1 ? 60 * GROUPS : 50));
        if (fault.survived()) {
          // Long enough to be found silent and replaced (half a second to notice, about as much to
          // elect); in long runs one round in three past the transport's keepalive (10 s and 5 s to
          // answer), so that its peers' streams to a paused node break and must reconnect.
          sleep(
              longRun && round % 3 == 2 ? rng.nextInt(16_000, 20_000) : rng.nextInt(1_000, 3_000));
          awaitLeadersElsewhere(victim, led);
        }
        sleep(rng.nextInt(200, 1_500));
      }
      switch (fault) {
        case KILL -> {
          nodes[victim].start(rng.nextLong());
          nodes[victim].proc.awaitReady("recovered");
        }
        case PAUSE -> nodes[victim].proc.signal("CONT");
        case PARTITION -> cutOff(victim, false);
      }
      awaitAcked(acked.size() + 50);
      System.err.printf(
          "%.1f s, round %d: node %d back, %d acknowledged%n",
          (System.nanoTime() - began) / 1e9, round, victim, acked.size());
      lastVictim = victim;
    }

    running.set(false);
    for (Future<?> w : workers) {
      w.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }
    Map<Integer, Map<Long, List<Applied>>> dumps = awaitSameDumps();
    check(dumps, rounds, lastVictim);
  }

  /**
   * Proposes unique payloads until told to stop, following leader hints across live nodes. A
   * payload is never sent twice: after a definite error the next attempt carries a new one, so that
   * every rejected payload can be checked to never apply.
   */
  private Void clientLoop(int client, SplittableRandom rng, AtomicBoolean running)
      throws InterruptedException {
    Map<Long, Integer> leaderGuess = new HashMap<>();
    // Nodes that left a proposal unanswered (paused), with when to try them again: a client, like a
    // router, does not keep sending to a node that stopped answering.
    long[] silentUntil = new long[NODES + 1];
    long seq = 0;
    while (running.get()) {
      long group = 1 + rng.nextInt(GROUPS);
      Integer guess = leaderGuess.get(group);
      int target =
          guess != null && !silent(silentUntil, guess) ? guess : answeringNode(rng, silentUntil);
      boolean settled = false;
      while (!settled && running.get()) {
        Proc proc = nodes[target].proc;
        if (proc == null || proc.dead) {
          target = target % NODES + 1;
          Thread.sleep(TICK_MILLIS);
          continue;
        }
        if (leaseReads && rng.nextBoolean()) {
          String[] answer = await(proc.read(group), group);
          switch (answer[0]) {
            case "read" -> leaderGuess.put(group, target);
            case "readerr" -> {
              int hint = Integer.parseInt(answer[4]);
              if (hint != 0 && hint != target && !silent(silentUntil, hint)) {
                leaderGuess.put(group, hint);
              }
            }
            default -> {
              leaderGuess.remove(group);
              silentUntil[target] = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            }
          }
          settled = true;
          continue;
        }
        String payload = "c" + client + "-" + seq++;
        proposedTo.put(payload, group);
        String[] answer = await(proc.propose(group, payload), group);
        switch (answer[0]) {
          case "ok" -> {
            leaderGuess.put(group, target);
            settled = true;
          }
          case "err" -> {
            rejected.add(payload); // definitely not applied
            int hint = Integer.parseInt(answer[4]);
            if (hint != 0 && hint != target && !silent(silentUntil, hint)) {
              target = hint;
            } else {
              target = target % NODES + 1;
              Thread.sleep(TICK_MILLIS);
            }
          }
          default -> {
            unknown.incrementAndGet(); // may or may not apply, at most once
            leaderGuess.remove(group);
            silentUntil[target] = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            settled = true;
          }
        }
      }
    }
    return null;
  }

  /** Asks a node to read each group of a list in turn, one every 20 ms, until closed. */
  private final class Prober implements AutoCloseable {
    private final AtomicBoolean probing = new AtomicBoolean(true);
    private final Thread thread;

    Prober(int node, List<Long> groups) {
      thread =
          groups.isEmpty()
              ? null
              : Thread.ofPlatform().name("prober").start(() -> run(node, groups));
    }

    private void run(int node, List<Long> groups) {
      try {
        for (int i = 0; probing.get(); i++) {
          nodes[node].proc.read(groups.get(i % groups.size()));
          probesSent.incrementAndGet();
          // (Slow enough that a paused node's input pipe never fills in the longest pause.)
          Thread.sleep(20);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() throws InterruptedException {
      probing.set(false);
      if (thread != null) {
        thread.join();
      }
    }
  }

  /** A node's answer, or {@code unknown} if it gives none in time. */
  private String[] await(CompletableFuture<String[]> answer, long group)
      throws InterruptedException {
    try {
      return answer.get(
          fault.survived() ? SHORT_ANSWER_MILLIS : TimeUnit.SECONDS.toMillis(ANSWER_SECONDS),
          TimeUnit.MILLISECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      return new String[] {"unknown", Long.toString(group), "?", "no answer: " + e};
    }
  }

  /** Whether {@code node} left a proposal unanswered lately. */
  private static boolean silent(long[] silentUntil, int node) {
    return silentUntil[node] - System.nanoTime() > 0;
  }

  /** A random node, among those that have not left a proposal unanswered lately if any. */
  private static int answeringNode(SplittableRandom rng, long[] silentUntil) {
    List<Integer> answering = new ArrayList<>();
    for (int id = 1; id <= NODES; id++) {
      if (!silent(silentUntil, id)) {
        answering.add(id);
      }
    }
    return answering.isEmpty()
        ? 1 + rng.nextInt(NODES)
        : answering.get(rng.nextInt(answering.size()));
  }

  /**
   * Cuts {@code victim} off from the other nodes (each drops what comes from the other side), or
   * lets them through again.
   */
  private void cutOff(int victim, boolean cut) throws Exception {
    for (int id = 1; id <= NODES; id++) {
      List<Integer> from = new ArrayList<>();
      for (int other = 1; other <= NODES; other++) {
        if (cut && other != id && (id == victim || other == victim)) {
          from.add(other);
        }
      }
      nodes[id].proc.cut(from);
    }
  }

  /**
   * Waits until every group in {@code groups} is led by a node other than {@code node}, paused or
   * cut off.
   */
  private void awaitLeadersElsewhere(int node, List<Long> groups) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (true) {
      Set<Long> led = new java.util.TreeSet<>();
      for (int id = 1; id <= NODES; id++) {
        if (id != node) {
          led.addAll(nodes[id].proc.leading());
        }
      }
      if (led.containsAll(groups)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail(
            "groups that paused node "
                + node
                + " led still without another leader: "
                + groups.stream().filter(g -> !led.contains(g)).toList());
      }
      sleep(100);
    }
  }

  /** Polls the nodes' dumps until all agree, or fails after the deadline. */
  private Map<Integer, Map<Long, List<Applied>>> awaitSameDumps() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CONVERGENCE_SECONDS);
    while (true) {
      Map<Integer, Map<Long, List<Applied>>> dumps = new TreeMap<>();
      for (int id = 1; id <= NODES; id++) {
        dumps.put(id, nodes[id].proc.dump());
      }
      boolean same = true;
      for (int id = 2; id <= NODES; id++) {
        same &= dumps.get(id).equals(dumps.get(1));
      }
      boolean allAcked = true;
      for (Map.Entry<String, Ack> a : acked.entrySet()) {
        allAcked &=
            dumps
                .get(1)
                .getOrDefault(a.getValue().group(), List.of())
                .contains(new Applied(a.getValue().index(), a.getKey()));
      }
      if ((same && allAcked) || System.nanoTime() > deadline) {
        return dumps; // check() reports what differs
      }
      sleep(500);
    }
  }

  private void check(Map<Integer, Map<Long, List<Applied>>> dumps, int rounds, int lastVictim) {
    List<String> violations = new ArrayList<>();
    violations.addAll(protocolErrors);
    Map<Long, List<Applied>> reference = dumps.get(1);
    long appliedTotal = 0;
    for (int id = 1; id <= NODES; id++) {
      Map<Long, List<Applied>> dump = dumps.get(id);
      Map<String, Integer> seen = new HashMap<>();
      for (long g = 1; g <= GROUPS; g++) {
        List<Applied> seq = dump.getOrDefault(g, List.of());
        List<Applied> ref = reference.getOrDefault(g, List.of());
        if (!seq.equals(ref)) {
          violations.add(
              "group " + g + ": node " + id + " applied " + describeDiff(ref, seq) + " vs node 1");
        }
        long last = 0;
        for (Applied a : seq) {
          if (a.index() <= last) {
            violations.add(
                "group " + g + " node " + id + ": index " + a.index() + " after " + last);
          }
          last = a.index();
          seen.merge(a.command(), 1, Integer::sum);
          Long to = proposedTo.get(a.command());
          if (to == null || to != g) {
            violations.add(
                "group " + g + " node " + id + ": applied " + a + ", proposed to group " + to);
          }
          if (rejected.contains(a.command())) {
            violations.add(
                "group " + g + " node " + id + ": applied " + a + " after a definite error");
          }
        }
        if (id == 1) {
          appliedTotal += seq.size();
        }
      }
      for (Map.Entry<String, Integer> e : seen.entrySet()) {
        if (e.getValue() > 1) {
          violations.add("node " + id + " applied " + e.getKey() + " " + e.getValue() + " times");
        }
      }
      for (Map.Entry<String, Ack> e : acked.entrySet()) {
        Ack ack = e.getValue();
        List<Applied> seq = dump.getOrDefault(ack.group(), List.of());
        List<Applied> found = seq.stream().filter(a -> a.command().equals(e.getKey())).toList();
        if (!found.equals(List.of(new Applied(ack.index(), e.getKey())))) {
          violations.add(
              "acknowledged "
                  + e.getKey()
                  + " (group "
                  + ack.group()
                  + " index "
                  + ack.index()
                  + " by node "
                  + ack.node()
                  + ") is "
                  + (found.isEmpty() ? "missing" : "applied as " + found)
                  + " on node "
                  + id);
        }
      }
    }
    if (leaseReads) {
      violations.addAll(staleReads(reference));
    }
    System.err.printf(
        "%d rounds: %d proposals acknowledged and checked on %d nodes, %d applied per node"
            + " (%d acknowledged + %d of %d unknown outcomes), %d definite errors, none applied%n",
        rounds,
        acked.size(),
        NODES,
        appliedTotal,
        acked.size(),
        appliedTotal - acked.size(),
        unknown.get(),
        rejected.size());
    if (!violations.isEmpty()) {
      fail(
          violations.size()
              + " violations, first ones:\n  "
              + String.join("\n  ", violations.subList(0, Math.min(30, violations.size()))));
    }
    assertTrue(acked.size() >= 100 * (rounds + 1), "acknowledged only " + acked.size());
    if (leaseReads) {
      long fromLeases = 0;
      for (int id = 1; id <= NODES; id++) {
        fromLeases += nodes[id].proc.readsFromLeases;
      }
      System.err.printf(
          "%d reads answered, %d refused; the nodes answered %d from leases (some to clients that gave up);"
              + " %d sent to leaders while %s%n",
          readAnswers.size(), readErrors.get(), fromLeases, probesSent.get(), fault.done);
      // Reads with no lease would make the check above a check of quorum reads only.
      assertTrue(fromLeases > 0, "no read was answered from a lease");
      assertTrue(rounds == 0 || probesSent.get() > 0, "no read went to a leader " + fault.done);
    }
    // Counted by each node since its last start. Some node ran a whole round since then, and the
    // node restarted last came back behind its peers' compactions: without both, the test would
    // not have covered compaction and snapshots under kill -9. (A state machine kept in the store
    // is restored only from a leader's image then, and from the founders' empty state at a node's
    // first start, which is not counted here: it is the last victim's count that says it.)
    long made = 0;
    for (int id = 1; id <= NODES; id++) {
      Proc p = nodes[id].proc;
      System.err.printf(
          "node %d since its last start: %d snapshots made, %d groups rebuilt from a snapshot%n",
          id, p.snapshotsMade, p.restoredFromSnapshots);
      made += p.snapshotsMade;
    }
    assertTrue(made > 0, "no node made a snapshot");
    assertTrue(
        rounds == 0 || nodes[lastVictim].proc.restoredFromSnapshots > 0,
        "node " + lastVictim + ", restarted last, was not rebuilt from a snapshot");
  }

  /**
   * Reads that missed a write acknowledged before they were sent, or returned a command the nodes
   * do not agree was applied there.
   */
  private List<String> staleReads(Map<Long, List<Applied>> reference) {
    // Per group, acknowledgements in the order the client saw them, each with the highest index
    // acknowledged up to it.
    Map<Long, List<Ack>> acks = new HashMap<>();
    for (Ack a : acked.values()) {
      acks.computeIfAbsent(a.group(), g -> new ArrayList<>()).add(a);
    }
    Map<Long, long[]> highest = new HashMap<>();
    for (List<Ack> list : acks.values()) {
      list.sort(java.util.Comparator.comparingLong(Ack::nanos));
      long[] max = new long[list.size()];
      for (int i = 0; i < list.size(); i++) {
        max[i] = Math.max(i == 0 ? 0 : max[i - 1], list.get(i).index());
      }
      highest.put(list.get(0).group(), max);
    }
    List<String> violations = new ArrayList<>();
    for (ReadAnswer r : readAnswers) {
      List<Ack> list = acks.getOrDefault(r.group(), List.of());
      int before = 0; // acknowledgements seen before the read was sent
      while (before < list.size() && list.get(before).nanos() < r.sent()) {
        before++;
      }
      long mustSee = before == 0 ? 0 : highest.get(r.group())[before - 1];
      if (r.index() < mustSee) {
        violations.add(
            r
                + " saw index "
                + r.index()
                + ", but index "
                + mustSee
                + " was acknowledged before the read was sent");
      }
      if (r.index() > 0
          && !reference
              .getOrDefault(r.group(), List.of())
              .contains(new Applied(r.index(), r.command()))) {
        violations.add(
            r
                + " returned "
                + r.command()
                + " at index "
                + r.index()
                + ", which node 1 did not apply there");
      }
    }
    return violations;
  }

  private static String describeDiff(List<Applied> ref, List<Applied> seq) {
    int i = 0;
    while (i < ref.size() && i < seq.size() && ref.get(i).equals(seq.get(i))) {
      i++;
    }
    return seq.size()
        + " commands (node 1: "
        + ref.size()
        + "), first difference at position "
        + i
        + ": "
        + (i < seq.size() ? seq.get(i) : "none")
        + " vs "
        + (i < ref.size() ? ref.get(i) : "none");
  }

  private void awaitAcked(long target) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (acked.size() < target) {
      if (System.nanoTime() > deadline) {
        fail("only " + acked.size() + " of " + target + " proposals acknowledged in time");
      }
      Thread.sleep(20);
    }
  }

  private Path keepLogs(long seed) {
    Path kept = Path.of("target", "raft-kill-nine-" + seed).toAbsolutePath();
    try {
      Files.createDirectories(kept);
      for (int id = 1; id <= NODES; id++) {
        if (nodes[id] != null && Files.exists(nodes[id].log)) {
          Files.copy(
              nodes[id].log, kept.resolve("n" + id + ".log"), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      System.err.println("could not keep the node logs: " + e);
    }
    return kept;
  }

  private static void sleep(long millis) throws InterruptedException {
    Thread.sleep(millis);
  }

  private static int[] freePorts(int n) throws IOException {
    ServerSocket[] sockets = new ServerSocket[n];
    int[] ports = new int[n];
    try {
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
    return ports;
  }

  /** One node: its directory, log file and ports; the process running it now, if any. */
  private final class Node {
    final int id;
    final Path data;
    final Path log;
    final int[] ports;
    volatile Proc proc;

    Node(int id, Path data, Path log, int[] ports) {
      this.id = id;
      this.data = data;
      this.log = log;
      this.ports = ports;
    }

    void start(long seed) throws IOException {
      String javaCommand =
          ProcessHandle.current()
              .info()
              .command()
              .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      List<String> cmd = new ArrayList<>();
      cmd.add(javaCommand);
      // As the surefire argLine (RocksDB JNI and Netty), sized for 3 JVMs on a small machine.
      cmd.add("-Xmx256m");
      cmd.add("--enable-native-access=ALL-UNNAMED");
      cmd.add("-XX:+UseSerialGC");
      cmd.add("-XX:TieredStopAtLevel=1");
      cmd.add("-Draftnode.compactAfterEntries=" + COMPACT_AFTER_ENTRIES);
      cmd.add("-Draftnode.storedState=" + storedState);
      cmd.add("-Draftnode.leaseReads=" + leaseReads);
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(RaftNodeProcess.class.getName());
      cmd.add(Integer.toString(id));
      cmd.add(data.toString());
      cmd.add(Integer.toString(GROUPS));
      cmd.add(Long.toString(TICK_MILLIS));
      cmd.add(Long.toString(seed));
      for (int p : ports) {
        cmd.add(Integer.toString(p));
      }
      Files.writeString(
          log,
          "---- start of node " + id + "\n",
          UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      Process p =
          new ProcessBuilder(cmd)
              .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      CHILDREN.add(p);
      proc = new Proc(id, p);
    }
  }

  /** A running node process: its stdin for commands, a thread reading its answers. */
  private final class Proc {
    final int node;
    final Process process;
    final Writer stdin;
    final Map<String, CompletableFuture<String[]>> pending = new ConcurrentHashMap<>();
    final BlockingQueue<String> control = new LinkedBlockingQueue<>();
    volatile boolean dead;
    volatile boolean killed;

    /** From the last dump: snapshots this process made, and groups it rebuilt from one. */
    long snapshotsMade;

    long restoredFromSnapshots;

    /** From the last dump: reads this process's groups answered from a lease. */
    long readsFromLeases;

    Proc(int node, Process process) {
      this.node = node;
      this.process = process;
      this.stdin = new java.io.OutputStreamWriter(process.getOutputStream(), UTF_8);
      Thread reader = new Thread(this::read, "node-" + node + "-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      try (BufferedReader out =
          new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          String[] t = line.split(" ", 5);
          switch (t[0]) {
            case "ok" -> {
              Ack ack =
                  new Ack(Long.parseLong(t[1]), Long.parseLong(t[2]), node, System.nanoTime());
              Ack before = acked.putIfAbsent(t[3], ack);
              if (before != null) {
                protocolErrors.add(t[3] + " acknowledged twice: " + before + " and " + ack);
              }
              complete(t[3], new String[] {"ok", t[1], t[3], t[2]});
            }
            case "err", "unknown" -> complete(t[2], t);
            case "read" -> {
              readAnswers.add(
                  new ReadAnswer(
                      t[1],
                      Long.parseLong(t[2]),
                      node,
                      readsSent.get(t[1]),
                      Long.parseLong(t[3]),
                      t[4]));
              complete(t[1], t);
            }
            case "readerr" -> {
              readErrors.incrementAndGet();
              complete(t[1], t);
            }
            default -> control.add(line);
          }
        }
      } catch (IOException e) {
        if (!killed) { // killing a process closes its streams under the reader
          protocolErrors.add("node " + node + ": unreadable answers: " + e);
        }
      } catch (RuntimeException e) {
        protocolErrors.add("node " + node + ": unreadable answer: " + e);
      } finally {
        dead = true;
        control.add("dead");
        for (String payload : List.copyOf(pending.keySet())) {
          complete(payload, new String[] {"unknown", "?", payload, "the node died"});
        }
      }
    }

    private void complete(String payload, String[] answer) {
      CompletableFuture<String[]> f = pending.remove(payload);
      if (f != null) {
        f.complete(answer);
      }
    }

    CompletableFuture<String[]> propose(long group, String payload) {
      return ask(payload, "propose " + group + " " + payload);
    }

    /** A linearizable read of {@code group}; its answer, whenever it comes, is recorded. */
    CompletableFuture<String[]> read(long group) {
      String id = "r" + readIds.incrementAndGet();
      readsSent.put(id, System.nanoTime());
      return ask(id, "read " + id + " " + group);
    }

    /** Sends {@code line}, whose answer is keyed by {@code key}. */
    private CompletableFuture<String[]> ask(String key, String line) {
      CompletableFuture<String[]> f = new CompletableFuture<>();
      pending.put(key, f);
      try {
        send(line);
      } catch (IOException e) {
        // The process is going away; its reader answers "unknown" for what is pending.
      }
      if (dead) {
        complete(key, new String[] {"unknown", "?", key, "the node died"});
      }
      return f;
    }

    private void send(String line) throws IOException {
      synchronized (stdin) {
        stdin.write(line + "\n");
        stdin.flush();
      }
    }

    /** The next control line (not an answer to a proposal), or "dead". */
    private String next() throws InterruptedException, TimeoutException {
      String line = control.poll(DEADLINE_SECONDS, TimeUnit.SECONDS);
      if (line == null) {
        throw new TimeoutException("node " + node + " did not answer in time");
      }
      return line;
    }

    void awaitReady(String how) throws Exception {
      String line = next();
      if (!line.startsWith("ready ") || !line.endsWith(how)) {
        fail("node " + node + " did not start (" + line + "): see its log");
      }
      if (!line.equals("ready " + GROUPS + " " + how)) {
        fail("node " + node + " opened the wrong groups: " + line);
      }
    }

    synchronized List<Long> leading() throws Exception {
      send("leading");
      String line = next();
      if (!line.startsWith("leading")) {
        fail("node " + node + " answered " + line + " to leading");
      }
      List<Long> out = new ArrayList<>();
      for (String g : line.substring("leading".length()).trim().split(" ")) {
        if (!g.isEmpty()) {
          out.add(Long.parseLong(g));
        }
      }
      return out;
    }

    synchronized Map<Long, List<Applied>> dump() throws Exception {
      send("dump");
      Map<Long, List<Applied>> out = new TreeMap<>();
      while (true) {
        String line = next();
        String[] t = line.split(" ", 4);
        switch (t[0]) {
          case "applied" ->
              out.computeIfAbsent(Long.parseLong(t[1]), g -> new ArrayList<>())
                  .add(new Applied(Long.parseLong(t[2]), t[3]));
          case "failure" -> protocolErrors.add("node " + node + ": " + line);
          case "snapshots" -> {
            snapshotsMade = Long.parseLong(t[1]);
            restoredFromSnapshots = Long.parseLong(t[2]);
          }
          case "leasereads" -> readsFromLeases = Long.parseLong(t[1]);
          case "end" -> {
            return out;
          }
          default -> fail("node " + node + " answered " + line + " in a dump");
        }
      }
    }

    /** Has the node drop whatever comes from {@code from} (nothing, if empty). */
    synchronized void cut(List<Integer> from) throws Exception {
      StringBuilder line = new StringBuilder("cut");
      from.forEach(n -> line.append(' ').append(n));
      send(line.toString());
      String answer = next();
      if (!answer.equals("cut")) {
        fail("node " + node + " answered " + answer + " to " + line);
      }
    }

    /** Sends the process a signal by name (STOP, CONT) through the shell's kill builtin. */
    void signal(String name) throws IOException, InterruptedException {
      Process kill =
          new ProcessBuilder("bash", "-c", "kill -" + name + " " + process.pid())
              .redirectErrorStream(true)
              .start();
      String said = new String(kill.getInputStream().readAllBytes(), UTF_8);
      if (!kill.waitFor(30, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        fail("kill -" + name + " of node " + node + " failed: " + said);
      }
    }

    /** SIGKILL (Process.destroyForcibly on Linux), and wait until it is gone. */
    void kill() throws InterruptedException {
      killed = true;
      process.destroyForcibly();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        fail("node " + node + " (pid " + process.pid() + ") survived SIGKILL");
      }
      CHILDREN.remove(process);
    }
  }
}
