package io.rangedb.raft.sim;

import io.rangedb.raft.ConfChange;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LogCompactedException;
import io.rangedb.raft.LogStorage;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.ProposalDroppedException;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.RawNode;
import io.rangedb.raft.ReadState;
import io.rangedb.raft.Ready;
import io.rangedb.raft.Role;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.Status;
import io.rangedb.raft.host.MemoryLogStore;
import io.rangedb.raft.transport.AssemblingSink;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.Transport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One simulated server: a replica, its "disk" (a {@link MemoryLogStore}: a crash keeps what a
 * synced batch wrote and a random prefix of the writes made without sync since), and a register
 * state machine. A Ready is carried out in two steps separated by a random fsync delay; a crash in
 * between loses the staged batch.
 */
final class SimNode implements Transport.Receiver {
  static final long GROUP = 1;
  private static final int SNAPSHOT_EVERY = 20;
  private static final int LOG_TAIL = 5;

  final long id;
  private final Simulation sim;
  private final MemoryLogStore store;
  private final RaftConfig config;
  private final SplittableRandom rng;
  Transport transport;

  RawNode raft;
  boolean alive;

  /** Removed from the group and stopped for good, until added back ({@link #revive}). */
  boolean retired;

  private int incarnation;
  private boolean readyOutstanding;
  private Role lastRole;

  // The state machine (volatile: rebuilt from the disk's snapshot and log on restart).
  private TreeMap<String, String> kv = new TreeMap<>();
  // Op ids already applied: a forwarded proposal may be duplicated by the network and appended
  // twice, so the state machine applies each command once (as a real one dedupes by request id).
  private java.util.TreeSet<Long> appliedOps = new java.util.TreeSet<>();
  long applied;
  private ConfState conf;
  private int appliedSinceSnapshot;

  private final Map<Long, Op> pendingWrites = new LinkedHashMap<>();
  private final Map<Long, Op> pendingReads = new LinkedHashMap<>();
  private final List<Map.Entry<Long, Op>> readsAwaitingApply = new ArrayList<>();

  SimNode(long id, Simulation sim, MemoryLogStore store, RaftConfig config, SplittableRandom rng) {
    this.id = id;
    this.sim = sim;
    this.store = store;
    this.config = config;
    this.rng = rng;
  }

  private LogStorage disk() {
    return store.storage(GROUP);
  }

  void start() {
    LogStorage disk = disk();
    Snapshot s = disk.snapshot();
    raft = new RawNode(config, disk, rng.split());
    restoreState(s.data());
    applied = s.index();
    conf = s.conf();
    alive = true;
    readyOutstanding = false;
    lastRole = null;
    incarnation++;
    sim.network.setDown(id, false);
    scheduleTick(incarnation);
    drive();
  }

  /** Restarts a crashed replica, unless it was retired meanwhile. */
  void restartUnlessRetired() {
    if (!alive && !retired) {
      start();
    }
  }

  /**
   * Whether this leader's applied configuration is the group's last one: no membership change waits
   * in its log, and it committed an entry of its own term, so that no entry missing from its log
   * (another's membership change among them) can commit any more.
   */
  boolean settledConfiguration() {
    Status st = raft.status();
    if (st.role() != Role.LEADER || st.commit() != st.applied()) {
      return false;
    }
    List<Entry> tail;
    try {
      tail = raft.entries(st.commit());
    } catch (LogCompactedException e) {
      return false; // the committed entry's term is unknown now; decide on a later call
    }
    if (tail.isEmpty() || tail.get(0).term() != st.term()) {
      return false;
    }
    return tail.stream().noneMatch(e -> e.type() == EntryType.CONF_CHANGE);
  }

  /** Stops a replica the group removed, as a real system garbage-collects it. */
  void retire() {
    retired = true;
    crash();
  }

  /** Starts a retired replica again because the operator adds it back. */
  void revive() {
    if (retired) {
      retired = false;
      start();
    }
  }

  /** Power loss: everything not in a committed batch is gone, pending client calls are lost. */
  void crash() {
    if (!alive) {
      return;
    }
    alive = false;
    incarnation++;
    sim.unsyncedAtCrashes += store.unsyncedWrites();
    store.crash(rng);
    sim.network.setDown(id, true);
    for (Op op : pendingWrites.values()) {
      sim.finishUnknown(op);
    }
    for (Op op : pendingReads.values()) {
      sim.finishFailed(op);
    }
    for (Map.Entry<Long, Op> r : readsAwaitingApply) {
      sim.finishFailed(r.getValue());
    }
    pendingWrites.clear();
    pendingReads.clear();
    readsAwaitingApply.clear();
  }

  private void scheduleTick(int inc) {
    sim.loop.after(
        sim.tickInterval(id),
        () -> {
          if (inc != incarnation || !alive) {
            return;
          }
          raft.tick();
          drive();
          scheduleTick(inc);
        });
  }

  // ------------------------------------------------------------------ client calls

  void write(Op op) {
    try {
      raft.propose(new KvCommand(op.id, op.key, op.value).encode());
      pendingWrites.put(op.id, op);
    } catch (ProposalDroppedException e) {
      sim.finishFailed(op);
    }
    drive();
  }

  void read(Op op) {
    try {
      raft.readIndex(ByteBuffer.allocate(8).putLong(op.id).array());
      pendingReads.put(op.id, op);
    } catch (ProposalDroppedException e) {
      sim.finishFailed(op);
    }
    drive();
  }

  /** The client gave up on {@code op}. */
  void forget(Op op) {
    pendingWrites.remove(op.id);
    pendingReads.remove(op.id);
    readsAwaitingApply.removeIf(r -> r.getValue() == op);
  }

  void proposeConfChange(ConfChange cc) {
    try {
      raft.proposeConfChange(cc);
    } catch (ProposalDroppedException e) {
      // refused: the operator tries again later
    }
    drive();
  }

  void transferLeadership(long to) {
    raft.transferLeadership(to);
    drive();
  }

  ConfState conf() {
    return conf;
  }

  // ------------------------------------------------------------------ transport

  @Override
  public void receive(long fromNode, List<Envelope> batch) {
    if (!alive) {
      return;
    }
    for (Envelope e : batch) {
      raft.step(e.message());
    }
    drive();
  }

  @Override
  public ImageSink snapshotSink(long fromNode, Envelope header) {
    return AssemblingSink.ofMessage(header, whole -> receive(fromNode, List.of(whole)));
  }

  @Override
  public void snapshotStatus(long groupId, long toNode, boolean delivered) {
    if (!alive) {
      return;
    }
    raft.reportSnapshot(toNode, delivered);
    drive();
  }

  // ------------------------------------------------------------------ Ready processing

  private void drive() {
    if (!alive) {
      return;
    }
    observeRole();
    if (readyOutstanding || !raft.hasReady()) {
      return;
    }
    Ready rd = raft.ready();
    readyOutstanding = true;
    send(rd.messages());
    LogBatch batch = store.newBatch();
    disk().stage(batch, rd.hardState(), rd.entries(), rd.snapshot());
    int inc = incarnation;
    long fsync = rd.mustPersist() ? 1 + rng.nextInt(3) : 0;
    sim.loop.after(
        fsync,
        () -> {
          if (inc != incarnation) {
            return; // crashed before the fsync finished: the batch is lost
          }
          if (rd.mustPersist()) {
            batch.commit();
          }
          send(rd.messagesAfterPersist());
          apply(rd);
          raft.advance(rd);
          raft.flushCommit(node -> false);
          readyOutstanding = false;
          drive();
        });
  }

  private void observeRole() {
    Role r = raft.role();
    if (sim.lease && r == Role.LEADER) {
      sim.safety.checkLeases(sim.nodes.values());
    }
    if (r == Role.LEADER && lastRole != Role.LEADER) {
      sim.onLeader(raft.term(), id);
      sim.safety.onNewLeaderLog(
          id, raft.term(), raft.firstIndex(), raft.entries(raft.firstIndex()));
    }
    lastRole = r;
  }

  private void send(List<Message> msgs) {
    Map<Long, List<Envelope>> byNode = new TreeMap<>();
    for (Message m : msgs) {
      if (m.type() == MessageType.SNAP) {
        transport.sendSnapshot(m.to(), new Envelope(GROUP, m), ImageSource.of(m.snapshot().data()));
      } else {
        byNode.computeIfAbsent(m.to(), k -> new ArrayList<>()).add(new Envelope(GROUP, m));
      }
    }
    byNode.forEach((to, batch) -> transport.send(to, batch));
  }

  private void apply(Ready rd) {
    if (rd.snapshot() != null) {
      Snapshot s = rd.snapshot();
      sim.safety.onSnapshot(id, s);
      restoreState(s.data());
      applied = s.index();
      conf = s.conf();
    }
    for (Entry e : rd.committedEntries()) {
      sim.safety.onApply(id, applied, e);
      applied = e.index();
      if (e.type() == EntryType.CONF_CHANGE) {
        conf = raft.applyConfChange(ConfChange.decode(e.data()));
        if (raft.ignoredConfChanges() != 0) {
          throw new AssertionError(
              "node " + id + " found committed conf change " + e + " invalid on " + conf);
        }
      } else if (e.data().length > 0) {
        KvCommand c = KvCommand.decode(e.data());
        if (!appliedOps.add(c.opId())) {
          continue; // a duplicate of a command already applied
        }
        kv.put(c.key(), c.value());
        sim.safety.onWriteApplied(c.opId(), e.index());
        Op op = pendingWrites.remove(c.opId());
        if (op != null) {
          sim.finishOk(op, null, 0);
        }
      }
      if (++appliedSinceSnapshot >= SNAPSHOT_EVERY) {
        appliedSinceSnapshot = 0;
        LogStorage disk = disk();
        disk.createSnapshot(applied, conf, encodeState(kv, appliedOps));
        disk.compact(Math.max(disk.firstIndex() - 1, applied - LOG_TAIL));
      }
    }
    for (ReadState rs : rd.readStates()) {
      long opId = ByteBuffer.wrap(rs.context()).getLong();
      Op op = pendingReads.remove(opId);
      if (op != null) {
        readsAwaitingApply.add(Map.entry(rs.index(), op));
      }
    }
    readsAwaitingApply.removeIf(
        r -> {
          if (r.getKey() <= applied) {
            Op op = r.getValue();
            sim.finishOk(op, kv.get(op.key), applied);
            return true;
          }
          return false;
        });
  }

  // ------------------------------------------------------------------ state machine images

  private static byte[] encodeState(Map<String, String> kv, java.util.Set<Long> ops) {
    var bytes = new ByteArrayOutputStream();
    try (var out = new DataOutputStream(bytes)) {
      out.writeInt(kv.size());
      for (var e : kv.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeUTF(e.getValue());
      }
      out.writeInt(ops.size());
      for (Long op : ops) {
        out.writeLong(op);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private void restoreState(byte[] data) {
    kv = new TreeMap<>();
    appliedOps = new java.util.TreeSet<>();
    if (data.length == 0) {
      return;
    }
    try (var in = new DataInputStream(new ByteArrayInputStream(data))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        kv.put(in.readUTF(), in.readUTF());
      }
      int ops = in.readInt();
      for (int i = 0; i < ops; i++) {
        appliedOps.add(in.readLong());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Map<String, String> state() {
    return new HashMap<>(kv);
  }
}
