package io.rangedb.rangestore.raftcluster;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.ProposalDroppedException;
import io.rangedb.raft.RawNode;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.Role;
import io.rangedb.raft.host.RaftHost;
import io.rangedb.raft.host.TickClock;
import io.rangedb.rangestore.raftnet.GrpcRaftTransport;
import io.rangedb.rangestore.storage.StoreOptions;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One Raft node in its own JVM, for tests that kill it with SIGKILL: a {@link LocalRaftNode} on a
 * data directory, every node of the cluster a voter of groups 1..n. On first start (an empty store)
 * it bootstraps the groups; on restart it recovers the groups its store holds.
 *
 * <p>Usage: {@code RaftNodeProcess <id> <dir> <groups> <tickMillis> <seed> <port of node 1> <port
 * of node 2> ...}, every node on 127.0.0.1. Commands come one per line on stdin, answers one per
 * line on stdout (logging goes to stderr only, stdout is the protocol):
 *
 * <ul>
 *   <li>once started: {@code ready <groups recovered or bootstrapped> <bootstrapped|recovered>}
 *   <li>{@code propose <group> <payload>} (payload without spaces) answers, once its outcome is
 *       known: {@code ok <group> <index> <payload>} (applied at index on this node, the leader);
 *       {@code err <group> <payload> <reason> <leaderHint>} (definitely not applied: this node does
 *       not lead the group, or the entry was superseded); {@code unknown <group> <payload>
 *       <reason>} (may or may not be applied). Answers come in any order.
 *   <li>{@code read <id> <group>} (a linearizable read through {@link RaftHost#readIndex}) answers
 *       {@code read <id> <group> <index> <payload>}: the last command applied to the group when the
 *       read completed, at its log index ({@code 0 -} if none yet); or {@code readerr <id> <group>
 *       <reason> <leaderHint>} when the read got no answer (leadership changed under it, no
 *       leader).
 *   <li>{@code cut <node>...} drops from now on every Raft message and snapshot from those nodes
 *       (none: from no node), as a network partition would, and answers {@code cut}.
 *   <li>{@code leading} answers {@code leading <group>...}: the groups this node leads.
 *   <li>{@code dump} answers {@code applied <group> <index> <payload>} for every command applied,
 *       per group in log order, then {@code snapshots <made> <restored>} and {@code leasereads
 *       <count>} (reads its groups answered from a leader's lease, with no quorum round) since it
 *       started, then {@code failure <text>} if the state machine failed, then {@code end}.
 * </ul>
 *
 * End of stdin closes the node and exits, so a node never outlives the test that started it.
 */
public final class RaftNodeProcess {
  private RaftNodeProcess() {}

  public static void main(String[] args) {
    // The protocol owns stdout; anything else that prints goes to stderr with the logs.
    PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), false, UTF_8);
    System.setOut(System.err);
    try {
      run(args, protocol);
    } catch (Throwable t) {
      // Exit at once (non-daemon gRPC threads would keep the JVM up): the test sees end of stdout.
      t.printStackTrace();
      Runtime.getRuntime().halt(1);
    }
  }

  /**
   * Entries after which a group snapshots its state and drops the older half of its log (0: never);
   * system property {@code raftnode.compactAfterEntries}.
   */
  static final long COMPACT_AFTER_ENTRIES = Long.getLong("raftnode.compactAfterEntries", 0);

  /**
   * Whether the record of applied commands is kept in the store ({@link
   * StoredRecordingStateMachine}) rather than rebuilt from the Raft log at each start; system
   * property {@code raftnode.storedState}.
   */
  static final boolean STORED_STATE = Boolean.getBoolean("raftnode.storedState");

  /**
   * Whether groups answer reads from their leader's lease ({@link ReadOnlyOption#LEASE_BASED}), the
   * host counting its ticks by {@code System::nanoTime}, which goes on through a pause of the
   * process; else by a quorum round ({@link ReadOnlyOption#SAFE}); system property {@code
   * raftnode.leaseReads}.
   */
  static final boolean LEASE_READS = Boolean.getBoolean("raftnode.leaseReads");

  /** Memtable budget of a node's store (the Raft log family gets half, at least 1 MB). */
  static final long WRITE_BUFFER_BYTES = 1L << 20;

  private static void run(String[] args, PrintStream protocol) throws Exception {
    if (args.length < 6) {
      System.err.println(
          "usage: RaftNodeProcess <id> <dir> <groups> <tickMillis> <seed> <port>...");
      System.exit(2);
    }
    long id = Long.parseLong(args[0]);
    Path dir = Path.of(args[1]);
    int groupCount = Integer.parseInt(args[2]);
    long tickMillis = Long.parseLong(args[3]);
    long seed = Long.parseLong(args[4]);
    List<Integer> ports = new ArrayList<>();
    for (int i = 5; i < args.length; i++) {
      ports.add(Integer.parseInt(args[i]));
    }
    Set<Long> voters = new HashSet<>();
    for (long n = 1; n <= ports.size(); n++) {
      voters.add(n);
    }
    ConfState founders = new ConfState(voters, Set.of(), Set.of(), Set.of(), false);

    List<Long> groups = LocalRaftNode.storedGroups(dir);
    boolean bootstrap = groups.isEmpty();
    if (bootstrap) {
      List<Long> all = new ArrayList<>();
      for (long g = 1; g <= groupCount; g++) {
        all.add(g);
      }
      groups = all;
    }
    RaftHost.Options hostOptions =
        RaftHost.Options.defaults().withCompactAfterEntries(COMPACT_AFTER_ENTRIES);
    LocalRaftNode node =
        LocalRaftNode.start(
            id,
            // Small memtables: the store flushes every megabyte or so of log, so its write-ahead
            // log files switch and get reused while nodes are killed, and recovery reads them.
            StoreOptions.onDisk(dir).withWriteBufferBytes(WRITE_BUFFER_BYTES),
            ports.get((int) id - 1),
            n -> n >= 1 && n <= ports.size() ? "127.0.0.1:" + ports.get((int) n - 1) : null,
            groups,
            founders,
            bootstrap,
            tickMillis,
            seed,
            true,
            // Unless stored, the record keeps nothing on disk: a restart rebuilds it from the
            // group's latest snapshot (which holds the whole record) and the log after it.
            STORED_STATE,
            LEASE_READS ? ReadOnlyOption.LEASE_BASED : ReadOnlyOption.SAFE,
            LEASE_READS
                ? hostOptions.withClock(
                    new TickClock(System::nanoTime, TimeUnit.MILLISECONDS.toNanos(tickMillis)))
                : hostOptions,
            GrpcRaftTransport.Options.DEFAULT);
    // One writer, so that answers completed on the Raft loop never wait on the pipe.
    ExecutorService out =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "protocol-out");
              t.setDaemon(true);
              return t;
            });
    List<Long> open = List.copyOf(groups);
    answer(
        out,
        protocol,
        List.of("ready " + open.size() + " " + (bootstrap ? "bootstrapped" : "recovered")));

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] cmd = line.trim().split(" ");
      switch (cmd[0]) {
        case "propose" -> propose(node, out, protocol, Long.parseLong(cmd[1]), cmd[2]);
        case "read" -> read(node, out, protocol, cmd[1], Long.parseLong(cmd[2]));
        case "cut" -> {
          Set<Long> peers = new HashSet<>();
          for (int i = 1; i < cmd.length; i++) {
            peers.add(Long.parseLong(cmd[i]));
          }
          node.cutOff(peers);
          answer(out, protocol, List.of("cut"));
        }
        case "leading" -> {
          List<Long> led =
              node.host
                  .inspect(
                      m ->
                          m.entrySet().stream()
                              .filter(e -> e.getValue().role() == Role.LEADER)
                              .map(java.util.Map.Entry::getKey)
                              .toList())
                  .get(30, TimeUnit.SECONDS);
          StringBuilder sb = new StringBuilder("leading");
          led.forEach(g -> sb.append(' ').append(g));
          answer(out, protocol, List.of(sb.toString()));
        }
        case "dump" -> {
          List<String> lines = new ArrayList<>();
          for (long g : open) {
            for (RecordingStateMachine.Applied a : node.stateMachine.appliedWithIndexes(g)) {
              lines.add("applied " + g + " " + a.index() + " " + a.command());
            }
          }
          // What the node did with snapshots since it started: made them, or was rebuilt from one.
          lines.add(
              "snapshots "
                  + node.host.stats().snapshotsCreated
                  + " "
                  + node.stateMachine.restores());
          lines.add(
              "leasereads "
                  + node.host
                      .inspect(
                          m -> m.values().stream().mapToLong(RawNode::readsServedFromLease).sum())
                      .get(30, TimeUnit.SECONDS));
          String failure = node.stateMachine.failure();
          if (failure != null) {
            lines.add("failure " + failure.replace('\n', ' '));
          }
          lines.add("end");
          answer(out, protocol, lines);
        }
        default -> System.err.println("unknown command: " + line);
      }
    }
    System.err.println("stdin closed: stopping node " + id);
    node.close();
    out.shutdown();
    out.awaitTermination(10, TimeUnit.SECONDS);
    System.exit(0);
  }

  private static void propose(
      LocalRaftNode node, ExecutorService out, PrintStream protocol, long group, String payload) {
    node.host
        .propose(group, payload.getBytes(UTF_8))
        .whenComplete(
            (index, e) -> {
              Throwable cause = e instanceof CompletionException c ? c.getCause() : e;
              String reply;
              if (cause == null) {
                reply = "ok " + group + " " + index + " " + payload;
              } else if (cause instanceof ProposalDroppedException dropped) {
                // Never appended, or appended and overwritten by a newer leader's entry.
                reply =
                    "err "
                        + group
                        + " "
                        + payload
                        + " "
                        + dropped.reason()
                        + " "
                        + dropped.leaderHint();
              } else {
                reply =
                    "unknown "
                        + group
                        + " "
                        + payload
                        + " "
                        + String.valueOf(cause).replaceAll("\\s+", "_");
              }
              answer(out, protocol, List.of(reply));
            });
  }

  private static void read(
      LocalRaftNode node, ExecutorService out, PrintStream protocol, String id, long group) {
    node.host
        .readIndex(group)
        .whenComplete(
            (index, e) -> {
              String reply;
              if (e == null) {
                // Taken as the read completes, on the loop that applies: the state it may return.
                List<RecordingStateMachine.Applied> applied =
                    node.stateMachine.appliedWithIndexes(group);
                reply =
                    applied.isEmpty()
                        ? "read " + id + " " + group + " 0 -"
                        : "read "
                            + id
                            + " "
                            + group
                            + " "
                            + applied.getLast().index()
                            + " "
                            + applied.getLast().command();
              } else {
                Throwable cause = e instanceof CompletionException c ? c.getCause() : e;
                reply =
                    cause instanceof ProposalDroppedException dropped
                        ? "readerr "
                            + id
                            + " "
                            + group
                            + " "
                            + dropped.reason()
                            + " "
                            + dropped.leaderHint()
                        : "readerr "
                            + id
                            + " "
                            + group
                            + " "
                            + String.valueOf(cause).replaceAll("\\s+", "_")
                            + " 0";
              }
              answer(out, protocol, List.of(reply));
            });
  }

  private static void answer(ExecutorService out, PrintStream protocol, List<String> lines) {
    out.execute(
        () -> {
          for (String l : lines) {
            protocol.println(l);
          }
          protocol.flush();
        });
  }
}
