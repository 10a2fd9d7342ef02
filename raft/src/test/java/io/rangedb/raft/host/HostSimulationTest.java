package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.ProposalDroppedException;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.sim.LinearizabilityChecker;
import io.rangedb.raft.sim.Op;
import io.rangedb.raft.sim.SeedFailure;
import io.rangedb.raft.transport.AssemblingSink;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.SimulatedNetwork;
import io.rangedb.raft.transport.VirtualTime;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Seeded simulation of three {@link RaftHost}s with many groups each under message loss,
 * duplication, delay, and host crash-restarts (a restarted host recovers every group from its log
 * store). Odd seeds run four hosts and move groups' replicas between them meanwhile (a learner
 * added, then a joint change replacing a member by it, then the old replica destroyed); seeds 1 mod
 * 4 of them keep the state machine durable beside the log ({@link RaftHost.DurableStateMachine}),
 * whose state a crash keeps only as far as the writes around it. Nodes are also paused (nothing of
 * them runs; what reaches them waits), and half the seeds read from leader leases on hosts with a
 * clock. Checks per group that no two hosts ever apply different entries at one index, that every
 * acknowledged proposal is in the log at its index exactly once, that the group's writes and reads
 * (a register) are linearizable, and that after the faults heal every group serves proposals again
 * (quiesced groups included).
 *
 * <p>Seeds 1..{@code raft.hostsim.seeds} (100) by default; {@code -Draft.hostsim.seed=S} replays
 * one; {@code -Draft.hostsim.seconds=T} (or {@code -Psoak}) runs as many as fit in T seconds from
 * {@code raft.hostsim.start} (1,000,000).
 */
class HostSimulationTest {
  private static final int GROUPS = 12;

  /** The property that replays one seed; the replay command names the same. */
  private static final String SEED_PROPERTY = "raft.hostsim.seed";

  static String replay(long seed) {
    return "bin/mvn -pl raft test -Dtest=HostSimulationTest -D" + SEED_PROPERTY + "=" + seed;
  }

  @Test
  void seeds() {
    String one = System.getProperty(SEED_PROPERTY);
    if (one != null && !one.isBlank()) {
      System.err.println(new Run(Long.parseLong(one.trim())).go());
      return;
    }
    // A time budget (the soak profile) runs seeds the default run does not use.
    long seconds = Long.getLong("raft.hostsim.seconds", 0);
    long first = seconds > 0 ? Long.getLong("raft.hostsim.start", 1_000_000) : 1;
    long count = seconds > 0 ? Long.MAX_VALUE : Integer.getInteger("raft.hostsim.seeds", 100);
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    long unsyncedAtCrashes = 0;
    long moved = 0;
    long images = 0;
    long received = 0;
    long deferred = 0;
    long reads = 0;
    long leaseReads = 0;
    long pauses = 0;
    long ran = 0;
    for (long seed = first; ran < count && (seconds == 0 || System.nanoTime() < deadline); seed++) {
      ran++;
      try {
        Run run = new Run(seed);
        run.go();
        unsyncedAtCrashes += run.lostUnsynced;
        moved += run.movesDone;
        images += run.imagesTaken;
        received += run.imagesReceived;
        deferred += run.snapshotsDeferred();
        reads += run.readsServed;
        leaseReads += run.servedFromLease;
        pauses += run.pauses;
      } catch (AssertionError | RuntimeException e) {
        throw SeedFailure.of("host simulation", seed, e, replay(seed));
      }
    }
    System.err.println(
        "host simulation: "
            + ran
            + " seeds passed, from seed "
            + first
            + "; replicas moved: "
            + moved
            + "; images taken for snapshots by durable state machines: "
            + images
            + ", received whole: "
            + received
            + "; snapshots deferred at the limit of images in flight: "
            + deferred
            + "; reads served: "
            + reads
            + ", of them answered from a lease, with no quorum round (hosts still up at the end): "
            + leaseReads
            + "; pauses: "
            + pauses);
    assertTrue(ran < 10 || leaseReads > 0, "leases must answer reads in the lease seeds");
    assertTrue(ran < 10 || reads > leaseReads, "and quorums the others");
    assertTrue(ran < 10 || pauses > 0, "nodes must be paused");
    assertTrue(ran < 10 || moved > 0, "replicas must move between hosts in the odd seeds");
    assertTrue(
        ran < 10 || images > 0,
        "durable state machines (seeds 1 mod 4) must send snapshots taken when they are sent");
    assertTrue(
        ran < 10 || received > 0, "and receive them streamed into their sinks, not in the log");
    assertTrue(
        ran < 10 || unsyncedAtCrashes > 0,
        "crashes must also hit writes made without sync, or the crash model tests nothing of them");
  }

  private static final class Run {
    final long seed;
    final SplittableRandom rng;
    final VirtualTime loop = new VirtualTime();
    final SimulatedNetwork network;
    final Map<Long, MemoryLogStore> stores = new TreeMap<>();
    final Map<Long, RaftHost> hosts = new TreeMap<>();
    final Map<Long, Integer> incarnation = new TreeMap<>();
    final Map<Long, Boolean> up = new TreeMap<>();

    /** group -> index -> command, as applied anywhere, ever. */
    final Map<Long, Map<Long, String>> committed = new HashMap<>();

    final List<String> acked = new ArrayList<>(); // "group/index/command"
    long nextCommand;
    boolean faults = true;

    /** Odd seeds let the host compact on its own; even ones compact from the test. */
    final boolean hostCompacts;

    /**
     * Odd seeds move replicas between four nodes (the test's compactor assumes the founding
     * members, so moves go with the host's own compaction).
     */
    final boolean moves;

    final int nodes;

    /**
     * Seeds 1 mod 4 give the hosts a {@link RaftHost.DurableStateMachine}: its state survives a
     * crash as far as the store's writes around it do, the host resumes from it instead of
     * rebuilding it from the log, and compactions store no image. The other seeds rebuild the state
     * machine from the log's snapshot at each start.
     */
    final boolean durableState;

    /**
     * Seeds whose quotient by 3 is odd read from leader leases (the hosts then tick by their clock,
     * {@link TickClock}); the others confirm each read with a quorum.
     */
    final boolean leaseReads;

    /** Per node, per group: the durable state machine's image as its disk holds it. */
    final Map<Long, Map<Long, TreeMap<Long, String>>> disks = new TreeMap<>();

    /**
     * Per node, per group, the images a durable state machine received and holds until it restores
     * them, by index: on its disk, so that a crash keeps them when it keeps the log's later writes.
     */
    final Map<Long, Map<Long, TreeMap<Long, byte[]>>> heldImages = new TreeMap<>();

    /** Groups a starting host failed to open: none may. */
    final List<String> openFailures = new ArrayList<>();

    /** Each group's voters, as acknowledged membership changes left them (sorted: replayable). */
    final Map<Long, java.util.TreeSet<Long>> members = new HashMap<>();

    /** Groups whose membership is no longer known (a change's outcome was not learned). */
    final java.util.Set<Long> unknownMembers = new java.util.HashSet<>();

    boolean moving;

    /** The group whose move is under way (0: none): its membership is not known until it ends. */
    long movingGroup;

    int movesDone;

    Run(long seed) {
      this.seed = seed;
      this.hostCompacts = (seed & 1) == 1;
      this.moves = hostCompacts;
      this.nodes = moves ? 4 : 3;
      this.durableState = seed % 4 == 1;
      this.leaseReads = (seed / 3) % 2 == 1;
      this.rng = new SplittableRandom(seed);
      this.network = new SimulatedNetwork(rng.split(), loop);
    }

    int crashes;

    /** Snapshots deferred by hosts since replaced by a restart. */
    long deferredByEarlierHosts;

    /** Snapshots the hosts of this run deferred at their limit of images in flight. */
    long snapshotsDeferred() {
      return deferredByEarlierHosts
          + hosts.values().stream().mapToLong(h -> h.stats().snapshotsDeferred).sum();
    }

    /** Writes made without sync that were pending at a crash (a prefix of them survived). */
    int lostUnsynced;

    String go() {
      network.conditions.maxDelay = 3 + rng.nextInt(15);
      for (long g = 1; g <= GROUPS; g++) {
        members.put(g, new java.util.TreeSet<>(List.of(1L, 2L, 3L)));
      }
      for (long id = 1; id <= nodes; id++) {
        paused.put(id, false);
        heldWork.put(id, new ArrayList<>());
        heldInbound.put(id, new ArrayList<>());
        heldCalls.put(id, new ArrayList<>());
        missedTicks.put(id, 0);
        MemoryLogStore store = new MemoryLogStore();
        for (long g = 1; g <= GROUPS && id <= 3; g++) {
          store.bootstrap(g, ConfState.ofVoters(1L, 2L, 3L));
        }
        stores.put(id, store);
        incarnation.put(id, 0);
        start(id);
      }
      if (moves) {
        loop.after(400, this::mover);
      }
      loop.after(rng.nextInt(100), this::client);
      loop.after(300, this::nemesis);
      loop.after(200, this::compactor);
      loop.runUntil(6_000);
      faults = false;
      network.conditions.lossRate = 0;
      network.conditions.duplicateRate = 0;
      for (long id = 1; id <= nodes; id++) {
        if (!up.get(id)) {
          start(id);
        }
      }
      loop.runUntil(9_000);
      // Liveness: every group takes a proposal after the heal, quiesced or not.
      List<CompletableFuture<Long>> last = new ArrayList<>();
      for (long g = 1; g <= GROUPS; g++) {
        // Up to about half a second of retries: with replicas moving, a group may still be
        // electing when the faults end (a removed replica's pre-votes are refused, but a member
        // restarted last can need a full election timeout or two).
        last.add(proposeWithRetry(g, "final-" + g, 25));
      }
      loop.runUntil(12_000);
      for (RaftHost h : hosts.values()) {
        CompletableFuture<Long> fromLease =
            h.inspect(
                groups -> groups.values().stream().mapToLong(n -> n.readsServedFromLease()).sum());
        loop.runUntil(loop.now());
        servedFromLease += fromLease.getNow(0L);
      }
      for (RaftHost h : hosts.values()) {
        // A host stops on a broken rule (an entry applied out of order, a lost log): say which.
        assertTrue(h.failure() == null, "host " + h.nodeId() + " stopped: " + h.failure());
      }
      for (int i = 0; i < last.size(); i++) {
        assertTrue(
            last.get(i).isDone() && !last.get(i).isCompletedExceptionally(),
            "group " + (i + 1) + " serves proposals after the heal: " + outcome(last.get(i)));
      }
      assertTrue(openFailures.isEmpty(), "groups failed to open: " + openFailures);
      for (String a : acked) {
        String[] p = a.split("/", 3);
        String at = committed.get(Long.parseLong(p[0])).get(Long.parseLong(p[1]));
        assertTrue(p[2].equals(at), "acknowledged " + a + " but the log holds " + at);
      }
      for (Map<Long, String> log : committed.values()) {
        long distinct = log.values().stream().filter(v -> !v.isEmpty()).distinct().count();
        long total = log.values().stream().filter(v -> !v.isEmpty()).count();
        assertTrue(distinct == total, "a command was applied twice");
      }
      assertTrue(acked.size() > GROUPS, "proposals were acknowledged: " + acked.size());
      assertTrue(
          readsBehind.isEmpty(), "reads answered before their index applied: " + readsBehind);
      checkLinearizable();
      return "seed="
          + seed
          + " acked="
          + acked.size()
          + " crashes="
          + crashes
          + " unsyncedAtCrashes="
          + lostUnsynced
          + " inboundDropped="
          + hosts.values().stream().mapToLong(h -> h.stats().inboundDropped.get()).sum()
          + " refused="
          + hosts.values().stream().mapToLong(h -> h.stats().proposalsRefused.get()).sum()
          + " compactions="
          + compactions
          + " hostCompactions="
          + hosts.values().stream().mapToLong(h -> h.stats().snapshotsCreated).sum()
          + " snapshotsInstalled="
          + snapshotsInstalled
          + " moves="
          + movesDone
          + " leaseReads="
          + leaseReads
          + " readsServed="
          + readsServed
          + " pauses="
          + pauses
          + (durableState
              ? " durableState imagesTaken="
                  + imagesTaken
                  + " imagesReceived="
                  + imagesReceived
                  + " stateDestroys="
                  + stateDestroys
              : "");
    }

    void start(long id) {
      int inc = incarnation.merge(id, 1, Integer::sum);
      up.put(id, true);
      network.setDown(id, false);
      // The state machine of this incarnation: per group, the applied log (index -> command). A
      // durable one starts from what its disk kept; the others from each group's durable snapshot,
      // as a real state machine is durable with it.
      Map<Long, TreeMap<Long, String>> disk = disks.computeIfAbsent(id, k -> new HashMap<>());
      Map<Long, TreeMap<Long, byte[]>> heldDisk =
          heldImages.computeIfAbsent(id, k -> new HashMap<>());
      Map<Long, TreeMap<Long, String>> state = new HashMap<>();
      for (long g = 1; g <= GROUPS; g++) {
        if (moves
            && !members.get(g).contains(id)
            && !unknownMembers.contains(g)
            && g != movingGroup) {
          destroyNow(stores.get(id), g); // moved away before a crash let its host destroy it
          disk.remove(g);
          heldDisk.remove(g);
        }
        if (durableState) {
          state.put(g, new TreeMap<>(disk.getOrDefault(g, new TreeMap<>())));
        } else {
          Snapshot snap = stores.get(id).storage(g).snapshot();
          state.put(g, decode(snap.data()));
          lastApplied(state.get(g), snap.index());
        }
      }
      states.put(id, state);
      Map<Long, TreeMap<Long, byte[]>> held = new HashMap<>();
      heldDisk.forEach((g, images) -> held.put(g, new TreeMap<>(images)));
      MemoryLogStore store = stores.get(id);
      RaftHost.DurableStateMachine sm =
          new RaftHost.DurableStateMachine() {
            @Override
            public void apply(long groupId, Entry e) {
              String cmd =
                  e.type() == EntryType.NORMAL ? new String(e.data(), StandardCharsets.UTF_8) : "";
              TreeMap<Long, String> mine = state.get(groupId);
              if (e.index() != lastApplied(mine) + 1) {
                throw new AssertionError(
                    "group " + groupId + " applied " + e.index() + " after " + lastApplied(mine));
              }
              mine.put(e.index(), cmd);
              lastApplied(mine, e.index());
              if (durableState) {
                long index = e.index();
                store.writeBeside(
                    () -> {
                      TreeMap<Long, String> d = disk.computeIfAbsent(groupId, k -> new TreeMap<>());
                      d.put(index, cmd);
                      lastApplied(d, index);
                    });
              }
              String prev =
                  committed
                      .computeIfAbsent(groupId, k -> new HashMap<>())
                      .putIfAbsent(e.index(), cmd);
              if (prev != null && !prev.equals(cmd)) {
                throw new AssertionError(
                    "group " + groupId + " index " + e.index() + ": " + prev + " vs " + cmd);
              }
            }

            @Override
            public byte[] snapshot(long groupId) {
              return encode(state.get(groupId));
            }

            @Override
            public ImageSource takeImage(long groupId) {
              imagesTaken++;
              return ImageSource.of(encode(state.get(groupId)));
            }

            @Override
            public ImageSink receiveImage(long groupId, Snapshot snapshot) {
              return new AssemblingSink(
                  image -> {
                    imagesReceived++;
                    held.computeIfAbsent(groupId, k -> new TreeMap<>())
                        .put(snapshot.index(), image);
                    store.writeBeside(
                        () ->
                            heldDisk
                                .computeIfAbsent(groupId, k -> new TreeMap<>())
                                .put(snapshot.index(), image));
                  });
            }

            @Override
            public boolean holdsImage(long groupId, long index) {
              return held.getOrDefault(groupId, new TreeMap<>()).containsKey(index);
            }

            @Override
            public void restore(long groupId, Snapshot snapshot) {
              byte[] data = snapshot.data();
              if (durableState && snapshot.index() > 1) {
                data = held.getOrDefault(groupId, new TreeMap<>()).get(snapshot.index());
                if (data == null) {
                  throw new AssertionError(
                      "restore of group "
                          + groupId
                          + " at "
                          + snapshot.index()
                          + " without an image received for it");
                }
              }
              TreeMap<Long, String> image = decode(data);
              image.forEach(
                  (index, cmd) -> {
                    String known = committed.get(groupId).get(index);
                    if (known != null && !known.equals(cmd)) {
                      throw new AssertionError("snapshot disagrees at " + groupId + "/" + index);
                    }
                  });
              // An image holds every entry through its index (the founders' state is index 1).
              for (long i = 2; i <= snapshot.index(); i++) {
                if (!image.containsKey(i)) {
                  throw new AssertionError(
                      "the snapshot of group "
                          + groupId
                          + " at "
                          + snapshot.index()
                          + " lacks "
                          + i);
                }
              }
              lastApplied(image, snapshot.index());
              state.put(groupId, image);
              if (durableState) {
                TreeMap<Long, String> copy = new TreeMap<>(image);
                long index = snapshot.index();
                held.getOrDefault(groupId, new TreeMap<>()).headMap(index, true).clear();
                store.writeBeside(
                    () -> {
                      disk.put(groupId, copy);
                      heldDisk.getOrDefault(groupId, new TreeMap<>()).headMap(index, true).clear();
                    });
              }
              snapshotsInstalled++;
            }

            @Override
            public long appliedIndex(long groupId) {
              TreeMap<Long, String> mine = state.get(groupId);
              return mine == null || !mine.containsKey(-1L) ? 0 : lastApplied(mine);
            }

            @Override
            public void destroy(long groupId) {
              stateDestroys++;
              state.put(groupId, new TreeMap<>());
              held.remove(groupId);
              store.writeBeside(
                  () -> {
                    disk.remove(groupId);
                    heldDisk.remove(groupId);
                  });
            }
          };
      SplittableRandom fsyncDelays = rng.split();
      RaftHost[] self = new RaftHost[1];
      RaftHost host =
          new RaftHost(
              id,
              stores.get(id),
              network.attach(
                  id,
                  new PausableReceiver(
                      () -> paused.get(id),
                      heldInbound.get(id)::add,
                      new CurrentHostReceiver(self))),
              task ->
                  loop.after(
                      0,
                      () ->
                          runOrHold(
                              id,
                              () -> {
                                if (incarnation.get(id) == inc && up.get(id)) {
                                  task.run(); // a crashed host does nothing more, nor writes
                                }
                              })),
              // An fsync takes a while, and a crash may come before it finishes.
              task ->
                  loop.after(
                      fsyncDelays.nextInt(3),
                      () ->
                          runOrHold(
                              id,
                              () -> {
                                if (incarnation.get(id) == inc && up.get(id)) {
                                  task.run();
                                }
                              })),
              rng.split(),
              durableState ? sm : rebuiltFromTheLog(sm),
              options());
      self[0] = host;
      RaftHost earlier = hosts.put(id, host);
      if (earlier != null) {
        deferredByEarlierHosts += earlier.stats().snapshotsDeferred;
      }
      for (long g = 1; g <= GROUPS; g++) {
        long group = g;
        host.addGroup(g, groupConfig(id))
            .whenComplete(
                (v, e) -> {
                  if (e != null && !(e.getCause() instanceof HostFailedException)) {
                    openFailures.add("group " + group + " on node " + id + ": " + e);
                  }
                });
      }
      tick(id, inc);
    }

    /** {@code sm} as a state machine the host rebuilds from the log: not durable. */
    static RaftHost.StateMachine rebuiltFromTheLog(RaftHost.StateMachine sm) {
      return new RaftHost.StateMachine() {
        @Override
        public void apply(long groupId, Entry entry) {
          sm.apply(groupId, entry);
        }

        @Override
        public void restore(long groupId, Snapshot snapshot) {
          sm.restore(groupId, snapshot);
        }

        @Override
        public byte[] snapshot(long groupId) {
          return sm.snapshot(groupId);
        }
      };
    }

    /**
     * Odd seeds compact on the host, after a count of entries or, in every other block of eight
     * seeds, after a few hundred bytes of them (a handful of entries); every fourth seed gives the
     * hosts an inbox of 200 bytes, so that bursts overflow it: received batches are dropped and
     * proposals refused with BACKLOG. Seeds tick in 1, 2 or 5 slices (the same whole tick of 10
     * ms). Durable state machines in every other block of sixteen seeds may have one image in
     * flight, so that snapshots are deferred and retried.
     */
    RaftHost.Options options() {
      RaftHost.Options o = RaftHost.Options.defaults();
      if (hostCompacts) {
        o =
            (seed / 8) % 2 == 1
                ? o.withCompactAfterBytes(200 + seed % 400)
                : o.withCompactAfterEntries(6 + seed % 10);
      }
      o = o.withTickSlices(TICK_SLICES[Math.floorMod(seed / 4, TICK_SLICES.length)]);
      if (durableState && (seed / 16) % 2 == 1) {
        o = o.withMaxImagesInFlight(1);
      }
      if (leaseReads) {
        o = o.withClock(new TickClock(() -> loop.now() * NANOS_PER_MS, TICK_MS * NANOS_PER_MS));
      }
      return seed % 4 == 3 ? o.withMaxInboxBytes(200) : o;
    }

    static final long TICK_MS = 10;
    static final long NANOS_PER_MS = 1_000_000;

    /** Every replica's settings: lease-based reads in the seeds that use them. */
    RaftConfig groupConfig(long node) {
      return RaftConfig.defaults(node)
          .withReadOnlyOption(leaseReads ? ReadOnlyOption.LEASE_BASED : ReadOnlyOption.SAFE);
    }

    static final int[] TICK_SLICES = {1, 2, 5};

    void tick(long id, int inc) {
      loop.after(
          TICK_MS / hosts.get(id).tickSlices(),
          () -> {
            if (incarnation.get(id) == inc && up.get(id)) {
              if (paused.get(id)) {
                missedTicks.merge(id, 1, Integer::sum); // its ticker catches up when it resumes
              } else {
                hosts.get(id).tick();
              }
              tick(id, inc);
            }
          });
    }

    // ------------------------------------------------------------------ pauses

    /** Nodes whose process is paused (a stop-the-world collection, a stopped VM). */
    final Map<Long, Boolean> paused = new TreeMap<>();

    /** Per node, what its loop and syncer would have run while it was paused. */
    final Map<Long, List<Runnable>> heldWork = new TreeMap<>();

    /** Per node, what the network delivered while it was paused (its socket buffers). */
    final Map<Long, List<Runnable>> heldInbound = new TreeMap<>();

    /** Per node, clients' calls that reached it while it was paused (another connection's). */
    final Map<Long, List<Runnable>> heldCalls = new TreeMap<>();

    /** A client's call to node {@code t}, held while it is paused. */
    CompletableFuture<Long> call(
        long t, java.util.function.Function<RaftHost, CompletableFuture<Long>> op) {
      if (!paused.get(t)) {
        return op.apply(hosts.get(t));
      }
      CompletableFuture<Long> f = new CompletableFuture<>();
      heldCalls
          .get(t)
          .add(
              () ->
                  op.apply(hosts.get(t))
                      .whenComplete(
                          (v, e) -> {
                            if (e == null) {
                              f.complete(v);
                            } else {
                              f.completeExceptionally(e);
                            }
                          }));
      return f;
    }

    /**
     * Per node, the calls its ticker missed while paused, made in a burst when it resumes (as a
     * fixed-rate ticker does); a host with a clock counts its ticks by the clock instead.
     */
    final Map<Long, Integer> missedTicks = new TreeMap<>();

    int pauses;

    void runOrHold(long id, Runnable task) {
      if (paused.get(id)) {
        heldWork.get(id).add(task);
      } else {
        task.run();
      }
    }

    /**
     * Pauses nodes (one, or two at once as when their machine stalls) for long enough, often, that
     * leases run out and the others elect. A node resumes in an order of its own, as a resumed
     * process's threads race: of what its loop had queued, the clients' calls and the peers'
     * messages that reached it, one goes first and the other two up to 2 ms later; its ticker's
     * missed calls come last.
     */
    void pause(List<Long> ids) {
      long millis = 20 + rng.nextInt(600);
      for (long id : ids) {
        pauses++;
        paused.put(id, true);
        int inc = incarnation.get(id);
        int first = rng.nextInt(3);
        int gap = rng.nextInt(3);
        loop.after(millis, () -> resume(id, inc, first, gap));
      }
    }

    private void resume(long id, int inc, int first, int gap) {
      paused.put(id, false);
      List<List<Runnable>> held = new ArrayList<>();
      for (Map<Long, List<Runnable>> m : List.of(heldWork, heldCalls, heldInbound)) {
        held.add(new ArrayList<>(m.get(id)));
        m.get(id).clear();
      }
      int ticks = missedTicks.put(id, 0);
      held.remove(first).forEach(Runnable::run);
      loop.after(
          gap,
          () -> {
            held.forEach(list -> list.forEach(Runnable::run));
            if (incarnation.get(id) == inc && up.get(id)) {
              for (int i = 0; i < ticks; i++) {
                hosts.get(id).tick();
              }
            }
          });
    }

    final Map<Long, Map<Long, TreeMap<Long, String>>> states = new TreeMap<>();
    int snapshotsInstalled;
    int compactions;

    /** Images a durable state machine gave for a snapshot being sent. */
    int imagesTaken;

    /** Images a durable state machine received whole (streams that broke are not counted). */
    int imagesReceived;

    /** Groups whose state a durable state machine dropped: removed replicas, crash leftovers. */
    int stateDestroys;

    /** The applied index is kept under key -1 of the image. */
    static long lastApplied(TreeMap<Long, String> image) {
      return Long.parseLong(image.getOrDefault(-1L, "1"));
    }

    static void lastApplied(TreeMap<Long, String> image, long index) {
      image.put(-1L, Long.toString(Math.max(index, lastApplied(image))));
    }

    static byte[] encode(TreeMap<Long, String> image) {
      StringBuilder b = new StringBuilder();
      image.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
      return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static TreeMap<Long, String> decode(byte[] data) {
      TreeMap<Long, String> image = new TreeMap<>();
      for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
        if (!line.isEmpty()) {
          int eq = line.indexOf('=');
          image.put(Long.parseLong(line.substring(0, eq)), line.substring(eq + 1));
        }
      }
      return image;
    }

    /** Now and then a host snapshots a group's state machine and compacts its log. */
    void compactor() {
      loop.after(100 + rng.nextInt(200), this::compactor);
      if (hostCompacts) {
        return;
      }
      long id = 1 + rng.nextInt(3);
      if (!up.get(id)) {
        return;
      }
      for (long g = 1; g <= GROUPS; g++) {
        compact(id, g);
      }
    }

    void compact(long id, long g) {
      TreeMap<Long, String> image = states.get(id).get(g);
      long at = lastApplied(image);
      io.rangedb.raft.LogStorage log = stores.get(id).storage(g);
      if (at <= log.snapshot().index() + 3) {
        return;
      }
      log.createSnapshot(at, ConfState.ofVoters(1L, 2L, 3L), encode(image));
      log.compact(Math.max(log.firstIndex() - 1, at - rng.nextInt(3)));
      compactions++;
    }

    /**
     * Now and then moves one group's replica from a member node to the node outside it: opens the
     * group there (an empty replica), adds it as a learner, replaces the old member by it in one
     * joint change (moving leadership off the old member first), then destroys the old replica. One
     * move at a time; a change whose outcome is not learned leaves the group alone from then.
     */
    void mover() {
      if (!faults) {
        return;
      }
      loop.after(100 + rng.nextInt(300), this::mover);
      long g = 1 + rng.nextInt(GROUPS);
      if (moving || unknownMembers.contains(g)) {
        return;
      }
      java.util.TreeSet<Long> now = members.get(g);
      long to = 1;
      while (now.contains(to)) {
        to++;
      }
      List<Long> ordered = new ArrayList<>(now);
      long from = ordered.get(rng.nextInt(ordered.size()));
      long target = to;
      if (!up.get(to)) {
        return;
      }
      moving = true;
      movingGroup = g;
      long attempt = ++moveAttempts;
      // The learner needs a replica there to catch up. A host still removing the group (moved away
      // just before) opens it once the removal is done (it refused to before); adding a member with
      // no replica let a later move leave the group a joint configuration no quorum of replicas
      // could leave (seed 24009485).
      RaftHost host = hosts.get(to);
      host.addGroup(g, groupConfig(to))
          .handle((v, e) -> null) // already open (since its host started) is as good
          .thenCompose(x -> host.inspect(groups -> groups.containsKey(g)))
          .whenComplete(
              (open, e) -> {
                if (attempt != moveAttempts || movingGroup != g) {
                  return; // given up below
                }
                moveAttempts++;
                if (e != null || !open) {
                  moving = false;
                  movingGroup = 0;
                  return;
                }
                changeWithRetry(g, io.rangedb.raft.ConfChange.addLearner(target))
                    .whenComplete(
                        (i, err) -> {
                          if (err != null) {
                            giveUpMove(g, err);
                          } else {
                            replace(g, from, target, 4);
                          }
                        });
              });
      loop.after(
          1_000,
          () -> {
            if (attempt == moveAttempts) { // its host crashed or stayed paused: nothing proposed
              moveAttempts++;
              moving = false;
              movingGroup = 0;
            }
          });
    }

    /** Counts the opening of a move's replica, so that its answer and its timeout act once. */
    long moveAttempts;

    private void replace(long g, long from, long to, int left) {
      if (up.get(from)) {
        long other = members.get(g).stream().filter(n -> n != from).findFirst().orElseThrow();
        hosts.get(from).transferLeadership(g, other); // a leader never removes itself
      }
      loop.after(
          50,
          () ->
              changeWithRetry(g, io.rangedb.raft.ConfChange.replaceVoter(from, to))
                  .whenComplete(
                      (i, e) -> {
                        if (e == null) {
                          java.util.TreeSet<Long> next = new java.util.TreeSet<>(members.get(g));
                          next.remove(from);
                          next.add(to);
                          members.put(g, next);
                          movesDone++;
                          moving = false;
                          movingGroup = 0;
                          if (up.get(from)) {
                            hosts.get(from).removeGroup(g); // else destroyed at its restart
                          }
                        } else if (left > 1
                            && e instanceof ProposalDroppedException d
                            && (d.reason() == ProposalDroppedException.Reason.CONF_CHANGE_INVALID
                                || d.reason() == ProposalDroppedException.Reason.VOTER_NOT_READY)) {
                          // It still led (transfer again), or the learner is still catching up.
                          replace(g, from, to, left - 1);
                        } else {
                          // The learner added for the move stays in the configuration, untracked
                          // here: leave the group alone, so that no restart destroys a member.
                          unknownMembers.add(g);
                          giveUpMove(g, e);
                        }
                      }));
    }

    private void giveUpMove(long g, Throwable e) {
      moving = false;
      movingGroup = 0;
      if (!(e instanceof ProposalDroppedException d)
          || d.reason() == ProposalDroppedException.Reason.SUPERSEDED) {
        unknownMembers.add(g); // it may or may not have been applied
      }
    }

    void crash(long id) {
      crashes++;
      up.put(id, false);
      lostUnsynced += stores.get(id).unsyncedWrites();
      stores.get(id).crash(rng);
      network.setDown(id, true);
      loop.after(
          50 + rng.nextInt(500),
          () -> {
            if (!up.get(id)) {
              start(id); // unless the end of the faults restarted it already
            }
          });
    }

    void nemesis() {
      if (!faults) {
        return;
      }
      loop.after(150 + rng.nextInt(400), this::nemesis);
      switch (rng.nextInt(5)) {
        case 0 -> {
          long victim = 1 + rng.nextInt(nodes);
          if (up.get(victim)
              && up.values().stream().filter(b -> b).count() == nodes
              && !anyPaused()) {
            crash(victim);
          }
        }
        case 4 -> {
          long victim = 1 + rng.nextInt(nodes);
          long other = 1 + (victim + rng.nextInt(nodes - 1)) % nodes; // another node
          if (up.values().stream().filter(b -> b).count() == nodes && !anyPaused()) {
            pause(rng.nextInt(3) == 0 ? List.of(victim, other) : List.of(victim));
          }
        }
        case 1 -> network.conditions.lossRate = rng.nextDouble() * 0.1;
        case 2 -> network.conditions.duplicateRate = rng.nextDouble() * 0.05;
        default -> network.conditions.maxDelay = 2 + rng.nextInt(30);
      }
    }

    boolean anyPaused() {
      return paused.containsValue(true);
    }

    // ------------------------------------------------------------------ clients' history

    /** Every client's reads and writes, each group a register (its latest command). */
    final List<Op> history = new ArrayList<>();

    long nextOpId;
    int readsServed;

    /** Reads the hosts up at the end answered from a lease (with no quorum round). */
    long servedFromLease;

    /** Reads answered by a host that had not applied their read index: none may be. */
    final List<String> readsBehind = new ArrayList<>();

    /**
     * Writes (proposals) and linearizable reads (readIndex) through any host; half of them on group
     * 1, which stays busy enough that its leader keeps its lease (an idle group quiesces, and gives
     * the lease up) and a pause of that leader meets reads.
     */
    void client() {
      if (!faults) {
        return;
      }
      // Open loop: the next operation does not wait for this one, so operations go on reaching
      // the nodes that work while others hang on a paused one (up to a bound).
      loop.after(1 + rng.nextInt(15), this::client);
      if (inFlight >= MAX_IN_FLIGHT) {
        return;
      }
      inFlight++;
      long group = rng.nextBoolean() ? 1 : 1 + rng.nextInt(GROUPS);
      CompletableFuture<?> done =
          rng.nextInt(10) < 4 ? read(group) : write(group, "c" + (++nextCommand));
      done.whenComplete((i, e) -> inFlight--);
    }

    static final int MAX_IN_FLIGHT = 12;
    int inFlight;

    CompletableFuture<Long> write(long group, String cmd) {
      Op op = new Op(++nextOpId, 0, Op.Kind.WRITE, "g" + group, cmd, loop.now());
      history.add(op);
      CompletableFuture<Long> f = proposeWithRetry(group, cmd, 3);
      f.whenComplete(
          (index, e) -> {
            op.completedAt = loop.now();
            // Refused means not appended (never on a forwarded path: hosts do not forward).
            op.status =
                e == null
                    ? Op.Status.OK
                    : e instanceof ProposalDroppedException ? Op.Status.FAILED : Op.Status.UNKNOWN;
            if (op.status == Op.Status.UNKNOWN) {
              op.completedAt = Long.MAX_VALUE;
            }
          });
      return f;
    }

    /**
     * A read through {@link RaftHost#readIndex}: once it completes, the register as the serving
     * host has applied it then, and its applied index, which must be at or past the read index.
     */
    CompletableFuture<Long> read(long group) {
      Op op = new Op(++nextOpId, 0, Op.Kind.READ, "g" + group, null, loop.now());
      history.add(op);
      long[] position = new long[1];
      String[] value = new String[1];
      CompletableFuture<Long> result = new CompletableFuture<>();
      attempt(
          group,
          h -> h.readIndex(group),
          (node, index) -> {
            TreeMap<Long, String> state = states.get(node).get(group);
            position[0] = lastApplied(state);
            if (position[0] < index) { // said here, as a callback's assertion would be swallowed
              readsBehind.add("group " + group + " read at " + index + " on " + node);
            }
            value[0] = registerAt(state, position[0]);
          },
          1 + rng.nextInt(nodes),
          0,
          3,
          result);
      result.whenComplete(
          (index, e) -> {
            op.completedAt = loop.now();
            if (e == null) {
              op.status = Op.Status.OK;
              op.readValue = value[0];
              op.readPosition = position[0];
              readsServed++;
            } else {
              op.status = Op.Status.FAILED; // a read that got no answer took no effect
            }
          });
      return result;
    }

    /** The latest command at or before {@code index} in an applied log (null: none yet). */
    static String registerAt(TreeMap<Long, String> state, long index) {
      for (Map.Entry<Long, String> e : state.headMap(index, true).descendingMap().entrySet()) {
        if (e.getKey() >= 1 && !e.getValue().isEmpty()) {
          return e.getValue();
        }
      }
      return null;
    }

    /** Each group's history must be linearizable, the log giving the writes' order. */
    void checkLinearizable() {
      for (long g = 1; g <= GROUPS; g++) {
        String key = "g" + g;
        Map<Long, Long> writeIndex = new HashMap<>();
        Map<String, Long> indexOf = new HashMap<>();
        committed.getOrDefault(g, Map.of()).forEach((index, cmd) -> indexOf.put(cmd, index));
        List<Op> ops = new ArrayList<>();
        for (Op op : history) {
          if (op.key.equals(key)) {
            ops.add(op);
            if (op.kind == Op.Kind.WRITE && indexOf.containsKey(op.value)) {
              writeIndex.put(op.id, indexOf.get(op.value));
            }
          }
        }
        String violation = LinearizabilityChecker.check(ops, writeIndex);
        assertTrue(violation == null, "group " + g + ": " + violation);
      }
    }

    /** Proposes through whichever host leads, following NOT_LEADER hints a few times. */
    static String outcome(CompletableFuture<Long> f) {
      if (!f.isDone()) {
        return "not done";
      }
      return f.handle((v, e) -> e == null ? "index " + v : String.valueOf(e)).join();
    }

    CompletableFuture<Long> proposeWithRetry(long group, String cmd, int attempts) {
      CompletableFuture<Long> result = new CompletableFuture<>();
      byte[] bytes = cmd.getBytes(StandardCharsets.UTF_8);
      attempt(
          group,
          h -> h.propose(group, bytes),
          (node, index) -> acked.add(group + "/" + index + "/" + cmd),
          1 + rng.nextInt(nodes),
          0,
          attempts,
          result);
      return result;
    }

    /** {@link #proposeWithRetry} for a membership change. */
    CompletableFuture<Long> changeWithRetry(long group, io.rangedb.raft.ConfChange change) {
      CompletableFuture<Long> result = new CompletableFuture<>();
      attempt(
          group,
          h -> h.proposeConfChange(group, change),
          (node, index) -> {},
          1 + rng.nextInt(nodes),
          0,
          6,
          result);
      return result;
    }

    private void attempt(
        long group,
        java.util.function.Function<RaftHost, CompletableFuture<Long>> op,
        Served onAck,
        long target,
        long previous,
        int left,
        CompletableFuture<Long> result) {
      if (!up.get(target)) {
        target = 1 + (target % nodes);
      }
      long t = target;
      CompletableFuture<Long> f = call(t, op);
      long deadline = loop.now() + 1_000;
      loop.after(
          1_000,
          () -> {
            if (!f.isDone() && loop.now() >= deadline) {
              result.completeExceptionally(new IllegalStateException("timeout"));
            }
          });
      f.whenComplete(
          (index, e) -> {
            if (e == null) {
              onAck.served(t, index);
              result.complete(index);
            } else if (left > 1 && e instanceof IllegalArgumentException) {
              // This node's replica was moved away ("no group"): ask the next node.
              loop.after(20, () -> attempt(group, op, onAck, 1 + (t % nodes), t, left - 1, result));
            } else if (left > 1
                && e instanceof ProposalDroppedException d
                && d.reason() != ProposalDroppedException.Reason.SUPERSEDED) {
              // A hint back to the node just asked is stale (two replicas that each think the other
              // leads, one of them removed): ask the next node instead.
              long next =
                  d.leaderHint() != 0 && d.leaderHint() != previous
                      ? d.leaderHint()
                      : 1 + (t % nodes);
              // An overloaded host asks for a back-off; a fixed one would meet the same burst.
              long backoff =
                  d.reason() == ProposalDroppedException.Reason.BACKLOG ? 5 + rng.nextInt(50) : 20;
              loop.after(backoff, () -> attempt(group, op, onAck, next, t, left - 1, result));
            } else {
              result.completeExceptionally(e);
            }
          });
    }
  }

  /** Told, on the serving host's loop, that node {@code node} answered with {@code index}. */
  private interface Served {
    void served(long node, long index);
  }

  /** Destroys a group's log on a store no host runs on, synced, as a restarting host would. */
  private static void destroyNow(MemoryLogStore store, long group) {
    try (io.rangedb.raft.LogBatch b = store.newBatch()) {
      store.destroy(b, group);
      b.commit();
    }
  }
}
