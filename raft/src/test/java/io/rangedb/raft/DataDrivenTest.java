package io.rangedb.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Data-driven scripts for the core, in the style of etcd/raft's interaction tests: each file in
 * src/test/resources/testdata holds commands, each followed by "----" and the output it must
 * produce (ended by a blank line). When behaviour changes on purpose, regenerate the expected
 * outputs with {@code bin/mvn -pl raft test -Dtest=DataDrivenTest -Draft.rewrite=true} and review
 * the diff.
 *
 * <p>Commands: {@code cluster <ids> [lease] [no-prevote] [no-forward]}, {@code elect <id>}, {@code
 * campaign <id>}, {@code propose <id> <text>}, {@code tick <id> <n>}, {@code tick-all <n>}, {@code
 * isolate <id>}, {@code heal}, {@code stabilize} (prints every message delivered), {@code status
 * [<id>]}, {@code log <id>}, {@code read-index <id> <ctx>}, {@code transfer <id> <target>}, {@code
 * add-learner|add-voter|remove <id> <node>}, {@code replace <id> <old> <new>}, {@code applied
 * <id>}, {@code start <id>} (crash-restart from storage, or a new empty replica), {@code compact
 * <id>}, {@code storage <id>}, {@code lease <id>} (whether a read would be answered from the lease
 * now), {@code quiesce <id>} (a leader's last heartbeat, delivered), {@code ticks-missed <id> <n>}
 * and {@code leader-silent <id> <ticks>} (what a host tells a replica it stopped ticking).
 */
class DataDrivenTest {
  private static final Path DIR = Path.of("src", "test", "resources", "testdata");

  @TestFactory
  Stream<DynamicTest> scripts() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(DIR)) {
      files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
    }
    return files.stream()
        .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> runFile(f)));
  }

  /** A command with the comment lines above it (kept when rewriting) and its expected output. */
  private record Block(String comments, String command, String expected) {}

  private static void runFile(Path file) throws IOException {
    List<Block> blocks = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    Script script = new Script();
    StringBuilder rewritten = new StringBuilder();
    boolean rewrite = Boolean.getBoolean("raft.rewrite");
    for (Block b : blocks) {
      String actual;
      try {
        actual = script.run(b.command());
      } catch (RuntimeException e) {
        actual = "error: " + e.getMessage();
      }
      if (rewrite) {
        rewritten.append(b.comments());
        rewritten.append(b.command()).append("\n----\n").append(actual).append("\n\n");
      } else {
        assertEquals(b.expected(), actual, file.getFileName() + ": " + b.command());
      }
    }
    if (rewrite) {
      Files.writeString(file, rewritten.toString(), StandardCharsets.UTF_8);
    }
  }

  private static List<Block> parse(List<String> lines) {
    List<Block> out = new ArrayList<>();
    StringBuilder comments = new StringBuilder();
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      if (line.startsWith("#")) {
        comments.append(line).append('\n');
        i++;
        continue;
      }
      if (line.isBlank()) {
        i++;
        continue;
      }
      String cmd = line.trim();
      String above = comments.toString();
      comments.setLength(0);
      i++;
      if (i >= lines.size() || !lines.get(i).equals("----")) {
        out.add(new Block(above, cmd, ""));
        continue;
      }
      i++;
      List<String> expected = new ArrayList<>();
      while (i < lines.size() && !lines.get(i).isEmpty()) {
        expected.add(lines.get(i));
        i++;
      }
      out.add(new Block(above, cmd, String.join("\n", expected)));
    }
    return out;
  }

  /** Interprets commands against a {@link Cluster}. */
  private static final class Script {
    private Cluster c;

    String run(String command) {
      String[] w = command.split("\\s+");
      switch (w[0]) {
        case "cluster" -> {
          Set<String> opts = new TreeSet<>(List.of(w).subList(1, w.length));
          List<Long> ids = new ArrayList<>();
          for (String s : opts) {
            if (s.matches("\\d+")) {
              ids.add(Long.parseLong(s));
            }
          }
          boolean lease = opts.contains("lease");
          boolean noPreVote = opts.contains("no-prevote");
          boolean noForward = opts.contains("no-forward");
          c =
              new Cluster(
                  7,
                  id -> {
                    RaftConfig cfg = RaftConfig.defaults(id);
                    if (lease) {
                      cfg = cfg.withReadOnlyOption(ReadOnlyOption.LEASE_BASED);
                    }
                    return cfg.withPreVote(!noPreVote).withForwardProposals(!noForward);
                  },
                  ConfState.ofVoters(ids.toArray(new Long[0])),
                  ids.stream().mapToLong(Long::longValue).toArray());
          return status();
        }
        case "elect" -> {
          int[] before = mark();
          c.elect(id(w[1]));
          return messagesSince(before);
        }
        case "campaign" -> {
          c.node(id(w[1])).campaign();
          return "ok";
        }
        case "propose" -> {
          try {
            return "index " + c.node(id(w[1])).propose(Cluster.bytes(w[2]));
          } catch (ProposalDroppedException e) {
            return "dropped: " + e.reason();
          }
        }
        case "tick" -> {
          c.tick(id(w[1]), Integer.parseInt(w[2]));
          return "ok";
        }
        case "tick-all" -> {
          int[] before = mark();
          c.tickAll(Integer.parseInt(w[1]));
          return messagesSince(before);
        }
        case "isolate" -> {
          c.isolated.add(id(w[1]));
          return "ok";
        }
        case "heal" -> {
          c.isolated.clear();
          return "ok";
        }
        case "stabilize" -> {
          int[] before = mark();
          c.stabilize();
          return messagesSince(before);
        }
        case "status" -> {
          return w.length > 1 ? status(id(w[1])) : status();
        }
        case "log" -> {
          RawNode n = c.node(id(w[1]));
          StringBuilder b = new StringBuilder();
          for (Entry e : n.entries(n.firstIndex())) {
            b.append(e.term()).append('/').append(e.index()).append(' ');
            if (e.type() == EntryType.CONF_CHANGE) {
              b.append("conf ").append(ConfChange.decode(e.data()).changes());
            } else {
              b.append(
                  e.data().length == 0 ? "(no-op)" : new String(e.data(), StandardCharsets.UTF_8));
            }
            b.append('\n');
          }
          return b.isEmpty() ? "(empty)" : b.toString().stripTrailing();
        }
        case "read-index" -> {
          try {
            c.node(id(w[1])).readIndex(Cluster.bytes(w[2]));
          } catch (ProposalDroppedException e) {
            return "dropped: " + e.reason();
          }
          c.stabilize();
          List<String> got = new ArrayList<>();
          for (ReadState rs : c.reads.get(id(w[1]))) {
            got.add(new String(rs.context(), StandardCharsets.UTF_8) + "@" + rs.index());
          }
          c.reads.get(id(w[1])).clear();
          return got.isEmpty() ? "(pending)" : String.join(" ", got);
        }
        case "transfer" -> {
          c.node(id(w[1])).transferLeadership(id(w[2]));
          return "ok";
        }
        case "add-learner", "add-voter", "remove" -> {
          long node = id(w[2]);
          ConfChange cc =
              switch (w[0]) {
                case "add-learner" -> ConfChange.addLearner(node);
                case "add-voter" -> ConfChange.addVoter(node);
                default -> ConfChange.remove(node);
              };
          return confChange(id(w[1]), cc);
        }
        case "replace" -> {
          return confChange(id(w[1]), ConfChange.replaceVoter(id(w[2]), id(w[3])));
        }
        case "applied" -> {
          List<String> data = c.appliedData(id(w[1]));
          return data.isEmpty() ? "(none)" : String.join(" ", data);
        }
        case "compact" -> {
          // Snapshot the state machine at the applied index and drop the log up to it.
          long id = id(w[1]);
          RawNode n = c.node(id);
          long at = n.appliedIndex();
          MemoryLogStorage st = c.storages.get(id);
          st.createSnapshot(at, n.confState(), Cluster.bytes(String.join(",", c.appliedData(id))));
          st.compact(at);
          return "snapshot at " + at + ", first index " + st.firstIndex();
        }
        case "storage" -> {
          MemoryLogStorage st = c.storages.get(id(w[1]));
          Snapshot snap = st.snapshot();
          return "snapshot "
              + snap.term()
              + "/"
              + snap.index()
              + " data="
              + new String(snap.data(), StandardCharsets.UTF_8)
              + " first="
              + st.firstIndex()
              + " last="
              + st.lastIndex()
              + " "
              + st.hardState();
        }
        case "start" -> {
          c.start(id(w[1]));
          return status(id(w[1]));
        }
        case "lease" -> {
          return c.node(id(w[1])).leaseValid() ? "held" : "not held";
        }
        case "quiesce" -> {
          RawNode n = c.node(id(w[1]));
          if (!n.canQuiesce()) {
            return "cannot quiesce";
          }
          int[] before = mark();
          n.quiesce();
          c.stabilize();
          return messagesSince(before);
        }
        case "ticks-missed" -> {
          c.node(id(w[1])).ticksMissed(Long.parseLong(w[2]));
          return "ok";
        }
        case "leader-silent" -> {
          c.node(id(w[1])).leaderSilentFor(Integer.parseInt(w[2]), 1);
          return "ok";
        }
        default -> throw new IllegalArgumentException("unknown command " + w[0]);
      }
    }

    private String confChange(long id, ConfChange cc) {
      try {
        return "index " + c.node(id).proposeConfChange(cc);
      } catch (ProposalDroppedException e) {
        return "dropped: " + e.reason();
      }
    }

    private static long id(String s) {
      return Long.parseLong(s);
    }

    /** Positions in the two sent-message lists, to print what a command sent. */
    private int[] mark() {
      return new int[] {c.sentEarly.size(), c.sentAfterPersist.size()};
    }

    /**
     * Messages handed to the network since {@code mark}: those that may leave before the Ready's
     * persistence first (marked "&gt;"), then those that waited for it (marked "&gt;&gt;").
     */
    private String messagesSince(int[] mark) {
      StringBuilder b = new StringBuilder();
      for (Message m : c.sentEarly.subList(mark[0], c.sentEarly.size())) {
        b.append("> ").append(m).append('\n');
      }
      for (Message m : c.sentAfterPersist.subList(mark[1], c.sentAfterPersist.size())) {
        b.append(">> ").append(m).append('\n');
      }
      return b.append(status()).toString();
    }

    private String status() {
      StringBuilder b = new StringBuilder();
      for (Long id : c.nodes.keySet()) {
        b.append(status(id)).append('\n');
      }
      return b.toString().stripTrailing();
    }

    private String status(long id) {
      RawNode n = c.node(id);
      ConfState cs = n.confState();
      return id
          + ": "
          + n.role()
          + " term="
          + n.term()
          + " lead="
          + n.leader()
          + " commit="
          + n.commitIndex()
          + " applied="
          + n.appliedIndex()
          + " last="
          + n.lastIndex()
          + " voters="
          + cs.voters()
          + (cs.isJoint() ? " outgoing=" + cs.votersOutgoing() : "")
          + (cs.learners().isEmpty() ? "" : " learners=" + cs.learners());
    }
  }
}
