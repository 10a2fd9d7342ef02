package io.rangedb.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A synchronous test harness: replicas with in-memory logs, Readys carried out at once (persist,
 * send, apply, advance), and a message queue the test controls with partitions and drop rules.
 */
final class Cluster {
  final Map<Long, RawNode> nodes = new TreeMap<>();
  final Map<Long, MemoryLogStorage> storages = new HashMap<>();
  final Map<Long, List<Entry>> applied = new HashMap<>();
  final Map<Long, List<ReadState>> reads = new HashMap<>();
  final ArrayDeque<Message> queue = new ArrayDeque<>();
  final Set<Long> isolated = new HashSet<>();
  final List<Predicate<Message>> dropRules = new ArrayList<>();

  /** Every message that went through a Ready, with whether it waited for persistence. */
  final List<Message> sentEarly = new ArrayList<>();

  final List<Message> sentAfterPersist = new ArrayList<>();
  private final Function<Long, RaftConfig> configs;
  private final SplittableRandom seeds;

  Cluster(Function<Long, RaftConfig> configs, ConfState conf, long... ids) {
    this(42, configs, conf, ids);
  }

  Cluster(long seed, Function<Long, RaftConfig> configs, ConfState conf, long... ids) {
    this.seeds = new SplittableRandom(seed);
    this.configs = configs;
    for (long id : ids) {
      storages.put(id, MemoryLogStorage.bootstrap(conf, null));
      start(id);
    }
  }

  static Cluster of(long... ids) {
    Long[] boxed = new Long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      boxed[i] = ids[i];
    }
    return new Cluster(RaftConfig::defaults, ConfState.ofVoters(boxed), ids);
  }

  /** (Re)starts a replica from its storage; a new replica gets an empty log. */
  RawNode start(long id) {
    MemoryLogStorage s = storages.computeIfAbsent(id, k -> new MemoryLogStorage());
    RawNode n = new RawNode(configs.apply(id), s, seeds.split());
    nodes.put(id, n);
    applied.put(id, new ArrayList<>());
    reads.put(id, new ArrayList<>());
    return n;
  }

  RawNode node(long id) {
    return nodes.get(id);
  }

  /** Carries out every pending Ready and delivers messages until nothing moves. */
  void stabilize() {
    for (int round = 0; round < 10_000; round++) {
      boolean moved = processReadies();
      if (!queue.isEmpty()) {
        deliver(queue.poll());
        moved = true;
      }
      if (!moved) {
        return;
      }
    }
    throw new AssertionError("cluster does not stabilize");
  }

  boolean processReadies() {
    boolean any = false;
    for (RawNode n : nodes.values()) {
      while (n.hasReady()) {
        any = true;
        handle(n, n.ready());
      }
    }
    return any;
  }

  private void handle(RawNode n, Ready rd) {
    long id = n.id();
    enqueue(rd.messages());
    sentEarly.addAll(rd.messages());
    MemoryLogBatch b = MemoryLogStorage.newBatch();
    storages.get(id).stage(b, rd.hardState(), rd.entries(), rd.snapshot());
    b.commit();
    enqueue(rd.messagesAfterPersist());
    sentAfterPersist.addAll(rd.messagesAfterPersist());
    if (rd.snapshot() != null) {
      applied.get(id).clear();
      applied
          .get(id)
          .add(new Entry(rd.snapshot().term(), rd.snapshot().index(), EntryType.NORMAL, null));
    }
    for (Entry e : rd.committedEntries()) {
      if (e.type() == EntryType.CONF_CHANGE) {
        n.applyConfChange(ConfChange.decode(e.data()));
      }
      applied.get(id).add(e);
    }
    reads.get(id).addAll(rd.readStates());
    n.advance(rd);
  }

  private void enqueue(List<Message> ms) {
    for (Message m : ms) {
      if (isolated.contains(m.from()) || isolated.contains(m.to())) {
        continue;
      }
      if (dropRules.stream().anyMatch(r -> r.test(m))) {
        continue;
      }
      queue.add(m);
    }
  }

  void deliver(Message m) {
    RawNode to = nodes.get(m.to());
    if (to != null && !isolated.contains(m.to()) && !isolated.contains(m.from())) {
      to.step(m);
    }
  }

  void tick(long id, int times) {
    for (int i = 0; i < times; i++) {
      nodes.get(id).tick();
    }
  }

  /** Ticks everyone once and stabilizes, {@code times} times. */
  void tickAll(int times) {
    for (int i = 0; i < times; i++) {
      for (RawNode n : nodes.values()) {
        n.tick();
      }
      stabilize();
    }
  }

  /** Makes {@code id} leader by ticking it alone past its election timeout. */
  void elect(long id) {
    expireLeases();
    RawNode n = nodes.get(id);
    for (int i = 0; i < 100 && n.role() != Role.LEADER; i++) {
      n.campaign();
      stabilize();
    }
    if (n.role() != Role.LEADER) {
      throw new AssertionError(id + " did not become leader: " + n.role());
    }
  }

  /**
   * As if an election timeout passed everywhere without news from a leader: no follower is bound by
   * its promise not to vote any more.
   */
  void expireLeases() {
    for (RawNode other : nodes.values()) {
      if (other.role() != Role.LEADER) {
        other.raft().electionElapsed = other.raft().cfg.electionTicks();
        other.raft().ticks = Math.max(other.raft().ticks, other.raft().cfg.electionTicks());
      }
    }
  }

  long leaderId() {
    long found = 0;
    for (RawNode n : nodes.values()) {
      if (n.role() == Role.LEADER && !isolated.contains(n.id())) {
        found = n.id();
      }
    }
    return found;
  }

  /** Data of applied normal, non-empty entries of a replica. */
  List<String> appliedData(long id) {
    List<String> out = new ArrayList<>();
    for (Entry e : applied.get(id)) {
      if (e.type() == EntryType.NORMAL && e.data().length > 0) {
        out.add(new String(e.data(), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
