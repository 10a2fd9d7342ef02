package io.rangedb.raft.host;

import io.rangedb.raft.ConfChange;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.LogBatch;
import io.rangedb.raft.LogStorage;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.ProposalDroppedException;
import io.rangedb.raft.ProposalOutcomeUnknownException;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.RawNode;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.Ready;
import io.rangedb.raft.Role;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.transport.AssemblingSink;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.Transport;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Runs every Raft group of one node on one serial loop (on an injected {@link Executor}), so that
 * thousands of groups share a thread, one write + fsync per cycle, and one transport send per peer
 * per cycle.
 *
 * <p>A cycle: (1) take all queued inputs (messages, ticks, proposals, reads, finished fsyncs); (2)
 * collect the Ready of every group that has one; send the messages that may precede persistence;
 * (3) stage every group's hard state, entries and snapshot into one {@link LogBatch} and write it;
 * (4) once the write is durable, send the votes and acknowledgements, batched per destination node
 * (the syncer sends them as soon as its fsync returns, see below); (5) apply committed entries,
 * answer reads, advance. A group therefore never acknowledges or votes before what it promises is
 * durable.
 *
 * <p>The fsync of step (4) runs on a separate syncer, and the loop goes on meanwhile: the groups
 * whose Ready waits for it stay out of later cycles until it is done (a group has one Ready
 * outstanding at a time), every other group goes on, writing its entries and sending its appends at
 * once, and the writes of the cycles in between are made durable together by the next fsync, which
 * the syncer starts as soon as the last one ends ({@link SyncPipeline}). With thousands of groups
 * this keeps the loop busy while the disk syncs, and the disk busy while the loop works.
 *
 * <p>Idle groups cost nearly nothing: a leader whose group is fully replicated and applied quiesces
 * it (a last heartbeat tells followers), and quiesced groups are not ticked. Instead the host pings
 * each peer node once per heartbeat interval for all groups together (coalesced heartbeats); when a
 * peer node goes silent for an election timeout, the quiesced groups it led are woken so they elect
 * a new leader. Any message, proposal or read for a group wakes it.
 *
 * <p>Membership: {@link #proposeConfChange} changes a group's members; a node that gains a replica
 * opens the group on an empty log ({@link #addGroup}) and the leader sends it a snapshot; a node
 * that lost one closes it and destroys its log ({@link #removeGroup}).
 *
 * <p>Thread-safety: public methods may be called from any thread; all Raft work happens on the
 * loop. Replica ids are node ids.
 */
public final class RaftHost implements Transport.Receiver {
  private static final System.Logger LOG = System.getLogger(RaftHost.class.getName());

  /** Envelopes of this group id are node-level liveness pings, not Raft messages. */
  public static final long PING_GROUP = 0;

  /** What the host applies committed entries to; called on the loop, in log order per group. */
  public interface StateMachine {
    /** A committed entry (a conf change is already applied to Raft when this is called). */
    void apply(long groupId, Entry entry);

    /**
     * Replace the group's state with a snapshot: one received from the leader, or, when a group is
     * opened without {@link RaftConfig#applied()}, the latest one in its log (the state machine
     * keeps nothing durable itself and is rebuilt from the snapshot, then the log).
     */
    void restore(long groupId, Snapshot snapshot);

    /**
     * An image of the group's state after every entry applied so far, for log compaction, which
     * stores it in the log (only called when {@link Options#compactAfterEntries()} is positive, and
     * never for a {@link DurableStateMachine}, which streams its images instead).
     */
    default byte[] snapshot(long groupId) {
      throw new UnsupportedOperationException(
          "this state machine cannot make snapshots; leave compactAfterEntries at 0");
    }
  }

  /**
   * A state machine that keeps each group's state durably itself, with the index of the last entry
   * applied to it (a range replica: its data and applied index in the store beside the Raft log).
   * The host then never copies that state into the Raft log: a compaction records only where the
   * log now starts (index, term, membership), and a follower that needs a snapshot gets an image
   * taken when it is sent, labelled with the index applied by then, which may be past the log's
   * snapshot (the follower answers with its new last index, which the leader takes as its match).
   * Images are streamed: read from a {@link ImageSource} by the sender's transport and written into
   * an {@link ImageSink} on the receiver as they arrive, neither on a loop nor whole in memory.
   *
   * <p>Its writes must reach the disk in order with the host's log writes: a crash that keeps a log
   * write made after {@link #apply}, {@link #restore} or a received image's {@link
   * ImageSink#finish} returned keeps what they did too (one RocksDB store for both, whose
   * write-ahead log is shared, does this). The log records a received snapshot only after its image
   * is finished, and the state machine keeps that image until it restores it, so a crash before the
   * restore reached the disk is repaired from the held image when the group is opened again.
   */
  public interface DurableStateMachine extends StateMachine {
    /**
     * The index of the last entry applied to the group's state as this state machine holds it,
     * which the host resumes from when it opens the group; 0 if it holds nothing of the group. When
     * it is behind the log's snapshot, the host restores it from that snapshot first: a founding
     * member's initial state (an empty state at index 1), or an image received from a leader.
     */
    long appliedIndex(long groupId);

    /**
     * Replaces the group's state with the snapshot's, which holds no data: at index 1 (or 0) the
     * founders' empty initial state, else the image received for exactly this index through {@link
     * #receiveImage} (finished, and held since). Called on the loop once the log's record of the
     * snapshot is durable; what it writes must reach the disk in order with later log writes. It
     * may then drop that image and any older one of the group.
     */
    @Override
    void restore(long groupId, Snapshot snapshot);

    /**
     * An image of the group's state after every entry applied so far, for a follower that needs a
     * snapshot: taken on the loop, so nothing is applied meanwhile; read afterwards by the
     * transport, off the loop, while the group goes on applying (a range replica: a storage
     * snapshot taken now, iterated later).
     */
    ImageSource takeImage(long groupId);

    /**
     * Where an image of the group received from a leader is written as it arrives: called on the
     * transport's thread, not the loop, while the group may go on applying; the snapshot's metadata
     * says the index, term and membership it is of. Once {@link ImageSink#finish} returns, the
     * image must be held (durably, in order with later log writes) until {@link #restore} takes it,
     * a restore of a later index or {@link #destroy} drops it, or the group has applied through its
     * index (it is then never asked for: an image whose message Raft refused, a deposed leader's
     * say, should go then); a second image of the same index may replace the first (they are
     * equal). An aborted image leaves nothing behind. A drop that covers an image still arriving (a
     * removal or restore during its stream) must make that sink's finish throw, so that an image
     * missing its first chunks is never held; the transport then aborts it. The host opens a sink
     * only for a group open on it, and never concurrently with that group's removal, so a sink
     * opened before a removal is open when {@link #destroy} runs. It steps a snapshot message only
     * if its image is still held ({@link #holdsImage}).
     */
    ImageSink receiveImage(long groupId, Snapshot snapshot);

    /** Whether a finished image of the group received for exactly {@code index} is held. */
    boolean holdsImage(long groupId, long index);

    /**
     * The group's replica left this node: drop its state, so that a replica opened here again
     * starts empty. Called on the loop once the destruction of the group's log is durable, before
     * {@link #removeGroup} completes; and when the group is opened on a log destroyed here while
     * the state machine still holds state (a crash came between the two).
     */
    void destroy(long groupId);
  }

  /**
   * Host settings.
   *
   * @param pingTicks ticks between liveness pings to each peer node
   * @param deadTicks ticks of silence after which a peer node counts as down
   * @param quiesce whether idle groups stop ticking
   * @param compactAfterEntries once a group's log holds this many entries, snapshot its state
   *     machine at the applied index and drop the older half of the log; 0 never compacts
   * @param compactAfterBytes once the entries a group applied since its last compaction (or since
   *     it was opened) hold this many bytes ({@link Entry#sizeBytes()}), snapshot its state machine
   *     at the applied index and drop the log through where the last compaction stood, so that the
   *     log keeps between one and two times this much of its latest entries, plus one entry,
   *     however large its commands; 0: no limit. With both limits set, whichever is reached first
   *     compacts, and a compaction drops what either would
   * @param maxCommandBytes the largest command {@link #propose} takes; a larger one fails at once
   *     with {@code TOO_LARGE} and is appended nowhere. A command travels whole in one Raft
   *     message, so this must stay under what the transport delivers in one message (a larger
   *     message would never arrive, and the group would stall on it)
   * @param waitTicks how long a proposal or read may wait for its outcome before the host gives up
   *     on it ({@link ProposalOutcomeUnknownException}, or a read's {@code READ_ABANDONED})
   * @param maxInboxBytes bytes of received messages and proposals that may wait for the loop; past
   *     it, received batches are dropped (Raft retransmits) and proposals refused with {@code
   *     BACKLOG}, so a host that falls behind does not queue without bound. An empty inbox always
   *     takes the next input, however large (a snapshot).
   * @param trace told where each entry is on its way to being applied ({@link CommitTrace#NONE}:
   *     nowhere)
   * @param tickSlices how many slices make one tick (calls of {@link #tick()}, or with a {@link
   *     #clock() clock} slices of its tick): each slice ticks the groups of one slot, so that a
   *     host with thousands of groups ticks them in small pieces spread over the tick interval
   *     instead of all in one long cycle that every commit in flight waits behind; pings, liveness
   *     and wait limits count whole ticks
   * @param maxImagesInFlight with a {@link DurableStateMachine}, the most images taken for snapshot
   *     sends whose outcome the transport has not reported yet. A snapshot message past it is not
   *     sent and no image is taken: its group's leader hears at once that it was not delivered and
   *     tries again later (after a heartbeat). An image in flight holds what the state machine
   *     fixed for it (a storage snapshot, say) until its send ends, so a node that a thousand
   *     groups must catch up by snapshot holds this many, not a thousand
   * @param clock the clock the host's ticks follow ({@link TickClock}), or null for none: each call
   *     of {@link #tick()} is then one slice, and groups with lease-based reads cannot be opened (a
   *     lease counted in calls of a ticker outlives the real one when the process pauses)
   */
  public record Options(
      int pingTicks,
      int deadTicks,
      boolean quiesce,
      long compactAfterEntries,
      long compactAfterBytes,
      long maxCommandBytes,
      long waitTicks,
      long maxInboxBytes,
      CommitTrace trace,
      int tickSlices,
      int maxImagesInFlight,
      TickClock clock) {
    public Options {
      java.util.Objects.requireNonNull(trace, "trace (CommitTrace.NONE for none)");
      if (pingTicks <= 0
          || deadTicks <= pingTicks
          || compactAfterEntries < 0
          || compactAfterBytes < 0
          || maxCommandBytes <= 0
          || waitTicks <= 0
          || maxInboxBytes <= 0
          || tickSlices <= 0
          || maxImagesInFlight <= 0) {
        throw new IllegalArgumentException(
            "need 0 < pingTicks < deadTicks, compactAfterEntries >= 0, compactAfterBytes >= 0,"
                + " maxCommandBytes > 0, waitTicks > 0,"
                + " maxInboxBytes > 0, tickSlices > 0 and maxImagesInFlight > 0");
      }
    }

    /** The default {@link #maxCommandBytes()}: 8 MiB. */
    public static final long DEFAULT_MAX_COMMAND_BYTES = 8L << 20;

    /**
     * The default {@link #maxImagesInFlight()}: 16, four times the gRPC transport's default of
     * snapshot calls at once, so that its queue stays fed.
     */
    public static final int DEFAULT_MAX_IMAGES_IN_FLIGHT = 16;

    public static Options defaults() {
      return new Options(
          1,
          10,
          true,
          0,
          0,
          DEFAULT_MAX_COMMAND_BYTES,
          1_000,
          64L << 20,
          CommitTrace.NONE,
          1,
          DEFAULT_MAX_IMAGES_IN_FLIGHT,
          null);
    }

    public Options withCompactAfterEntries(long entries) {
      return edit(b -> b.compactAfterEntries = entries);
    }

    public Options withCompactAfterBytes(long bytes) {
      return edit(b -> b.compactAfterBytes = bytes);
    }

    public Options withMaxCommandBytes(long bytes) {
      return edit(b -> b.maxCommandBytes = bytes);
    }

    public Options withMaxInboxBytes(long bytes) {
      return edit(b -> b.maxInboxBytes = bytes);
    }

    public Options withTrace(CommitTrace t) {
      return edit(b -> b.trace = t);
    }

    public Options withTickSlices(int slices) {
      return edit(b -> b.tickSlices = slices);
    }

    public Options withMaxImagesInFlight(int images) {
      return edit(b -> b.maxImagesInFlight = images);
    }

    public Options withClock(TickClock c) {
      return edit(b -> b.clock = c);
    }

    public Options withQuiesce(boolean q) {
      return edit(b -> b.quiesce = q);
    }

    private Options edit(java.util.function.Consumer<Editable> change) {
      Editable b = new Editable(this);
      change.accept(b);
      return new Options(
          b.pingTicks,
          b.deadTicks,
          b.quiesce,
          b.compactAfterEntries,
          b.compactAfterBytes,
          b.maxCommandBytes,
          b.waitTicks,
          b.maxInboxBytes,
          b.trace,
          b.tickSlices,
          b.maxImagesInFlight,
          b.clock);
    }

    /** A mutable copy, so that each {@code with} method names only what it changes. */
    private static final class Editable {
      int pingTicks;
      int deadTicks;
      boolean quiesce;
      long compactAfterEntries;
      long compactAfterBytes;
      long maxCommandBytes;
      long waitTicks;
      long maxInboxBytes;
      CommitTrace trace;
      int tickSlices;
      int maxImagesInFlight;
      TickClock clock;

      Editable(Options o) {
        pingTicks = o.pingTicks;
        deadTicks = o.deadTicks;
        quiesce = o.quiesce;
        compactAfterEntries = o.compactAfterEntries;
        compactAfterBytes = o.compactAfterBytes;
        maxCommandBytes = o.maxCommandBytes;
        waitTicks = o.waitTicks;
        maxInboxBytes = o.maxInboxBytes;
        trace = o.trace;
        tickSlices = o.tickSlices;
        maxImagesInFlight = o.maxImagesInFlight;
        clock = o.clock;
      }
    }
  }

  private final long nodeId;
  private final LogStore store;
  private final Transport transport;
  private final Executor loop;
  private final SyncPipeline<Flight> syncs;
  private final RandomGenerator.SplittableGenerator rng;
  private final StateMachine stateMachine;

  /** The state machine when it keeps its state itself, else null. */
  private final DurableStateMachine durable;

  private final Options options;
  private final CommitTrace trace;
  private final boolean tracing;

  private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();

  /** Bytes of messages and proposals in the inbox (see {@link Options#maxInboxBytes}). */
  private final AtomicLong inboxBytes = new AtomicLong();

  private final AtomicInteger wip = new AtomicInteger();

  // Loop-confined state.
  private final Map<Long, Group> groups = new HashMap<>();

  /**
   * The ids in {@link #groups}, readable off the loop: a transport's thread checks a stream's. A
   * stream's check and its sink's opening hold its monitor, as does a removal, so that a sink
   * opened for a group being removed is open before the state machine's destroy, which then drops
   * it.
   */
  private final java.util.Set<Long> openGroups = new java.util.HashSet<>();

  /**
   * Groups taken out by {@link #removeGroup} whose log is not destroyed durably yet: waiting for
   * their last write's fsync, for the next cycle's write, or for that write's fsync.
   */
  private final Map<Long, Group> removing = new HashMap<>();

  /** Removed groups whose log the next write of a cycle destroys. */
  private final List<Group> toDestroy = new ArrayList<>();

  /** The groups that are ticked (not quiesced), by tick slice. */
  private final List<LinkedHashSet<Group>> active = new ArrayList<>();

  private int nextSlot;
  private long sliceCalls;

  /** How many slices of the current whole tick have run: the slots below it have had this tick. */
  private int slicesDone;

  private final LinkedHashSet<Group> dirty = new LinkedHashSet<>();
  private final PeerLiveness liveness;
  private final java.util.function.LongPredicate isDown;

  /** Why a waiter is given up on after {@link Options#waitTicks()}. */
  private final String expiredWhy;

  private long ticks;

  /** How far the ticks are behind the clock; null without {@link Options#clock()}. */
  private final TickLag lag;

  /**
   * The last read's number, in contexts that answers are matched by. It starts anywhere, drawn at
   * construction, so that an answer to a read of this node before a restart, arriving late, cannot
   * match a read after it (which would then read at a stale index).
   */
  private long readSeq;

  private final Stats stats = new Stats();

  /** Loop-confined; see {@link Options#maxImagesInFlight()}. */
  private final ImagesInFlight images;

  private final LeadershipDrain drain = new LeadershipDrain();

  /** Counters, for tests and metrics. */
  public static final class Stats {
    public volatile long cycles;
    public volatile long batchCommits;
    public volatile long batchSyncs;
    public volatile long readiesPersisted;

    /** Transport sends and the messages they carried (by the loop, and by the syncer). */
    public final AtomicLong sends = new AtomicLong();

    public final AtomicLong messagesSent = new AtomicLong();

    public volatile long groupTicks;
    public volatile long snapshotsCreated;

    /** Snapshot messages not stepped because the durable state machine no longer held the image. */
    public volatile long snapshotsWithoutImage;

    /** Raft messages dropped on arrival because the inbox was full. */
    public final AtomicLong inboundDropped = new AtomicLong();

    /** Raft messages dropped because they named another replica or another sender than theirs. */
    public final AtomicLong messagesMisaddressed = new AtomicLong();

    /** Proposals refused with {@code BACKLOG} because the inbox was full. */
    public final AtomicLong proposalsRefused = new AtomicLong();

    /** Snapshot streams received whole, their chunks, and those that broke before their end. */
    public final AtomicLong snapshotsReceived = new AtomicLong();

    public final AtomicLong snapshotChunksReceived = new AtomicLong();
    public final AtomicLong snapshotStreamsAborted = new AtomicLong();

    /**
     * Snapshot messages not sent, no image taken, because {@link Options#maxImagesInFlight()}
     * images were in flight; their leaders try again later.
     */
    public volatile long snapshotsDeferred;

    /** Images taken for snapshot sends whose outcome is not reported yet. */
    public volatile int imagesInFlight;

    /**
     * Times a peer node was judged silent ({@link Options#deadTicks()} without a message from it)
     * and the groups it led were told to elect another. Of a node that was in fact up, each is a
     * false suspicion, which the choice of {@code deadTicks} trades against failover time.
     */
    public volatile long peersSilenced;
  }

  private final class Group {
    final long id;
    final RawNode raft;
    final LogStorage storage;
    boolean quiesced;

    /**
     * While quiesced: the first whole tick the replica's clock has not been given ({@link
     * #catchUpClock}).
     */
    long untickedFrom;

    /** The tick slice this group is ticked in ({@link Options#tickSlices()}). */
    final int slot;

    /**
     * Idle and fully replicated, to be quiesced at the next tick unless work arrives first: a busy
     * group's next append then carries the commit index that the quiesce heartbeat would have.
     */
    boolean quiesceDue;

    /** Its last Ready is written and waits for an fsync. */
    boolean awaitingSync;

    long applied;

    /** The applied index at the group's last compaction (or when it was opened). */
    long compactedAt;

    /** Bytes of the entries applied since {@link #compactedAt}. */
    long appliedBytesSinceCompaction;

    /** The storage was told that entries up to here are no longer needed (releaseThrough). */
    long released;

    final Waiters waiters;

    /**
     * Set once {@link #removeGroup} took the group out; completed when its log is destroyed. The
     * host's own: the caller gets a future completed from it, which it may complete or time out
     * itself without the host taking the removal for done (an {@link #addGroup} waits on this one).
     */
    CompletableFuture<Void> removal;

    Group(long id, RawNode raft, LogStorage storage, int slot) {
      this.id = id;
      this.slot = slot;
      this.raft = raft;
      this.storage = storage;
      this.applied = raft.appliedIndex();
      this.compactedAt = applied;
      this.waiters = new Waiters(id);
    }
  }

  /**
   * Readys of one cycle and what is left to do once their writes are durable; {@code batch} holds
   * those writes, and is null for the Readys that write nothing. {@code destroyed}: removed groups
   * whose logs the batch destroys, whose removals complete once it is durable.
   */
  private record Flight(
      List<Group> groups,
      List<Ready> readies,
      Map<Long, List<Envelope>> late,
      LogBatch batch,
      List<Group> destroyed) {}

  /** Set once the loop failed; from then on every input fails with {@link HostFailedException}. */
  private volatile Throwable failure;

  /**
   * @param loop runs the host's cycles, one at a time
   * @param syncer runs the fsyncs of the log store, one at a time, while the loop goes on; {@code
   *     Runnable::run} syncs on the loop instead (each cycle then waits for its fsync)
   * @param rng the groups' randomness and where read contexts start: seeded anew at each start of
   *     the process (a fixed seed only in simulations), or a late answer to a read made before a
   *     restart could complete one made after it
   */
  public RaftHost(
      long nodeId,
      LogStore store,
      Transport transport,
      Executor loop,
      Executor syncer,
      RandomGenerator.SplittableGenerator rng,
      StateMachine stateMachine,
      Options options) {
    this.nodeId = nodeId;
    this.store = store;
    this.transport = transport;
    this.loop = loop;
    this.syncs = new SyncPipeline<>(store, syncer, this::submit, this::sendSynced, this::finish);
    this.rng = rng;
    this.readSeq = rng.nextLong();
    this.stateMachine = stateMachine;
    this.durable = stateMachine instanceof DurableStateMachine d ? d : null;
    this.options = options;
    this.images = new ImagesInFlight(options.maxImagesInFlight());
    this.trace = options.trace();
    this.tracing = trace != CommitTrace.NONE;
    this.liveness = new PeerLiveness(nodeId, options.deadTicks());
    this.lag = options.clock() == null ? null : new TickLag(options.clock(), options.tickSlices());
    this.isDown = liveness::isDown;
    this.expiredWhy = "no outcome within " + options.waitTicks() + " ticks";
    for (int i = 0; i < options.tickSlices(); i++) {
      active.add(new LinkedHashSet<>());
    }
  }

  public long nodeId() {
    return nodeId;
  }

  public Stats stats() {
    return stats;
  }

  /** Calls of {@link #tick()} per tick ({@link Options#tickSlices()}). */
  public int tickSlices() {
    return options.tickSlices();
  }

  /** The clock the host's ticks fall due by ({@link Options#clock()}), or null for none. */
  public TickClock clock() {
    return options.clock();
  }

  // ------------------------------------------------------------------ inputs (any thread)

  /**
   * Opens (or recovers) a group from its log in the store; group ids are positive. A group still
   * being removed here ({@link #removeGroup}) opens once its removal completes (of two such calls,
   * the second then fails as already open).
   */
  public CompletableFuture<Void> addGroup(long groupId, RaftConfig config) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (config == null) {
      done.completeExceptionally(new IllegalArgumentException("group " + groupId + ": no config"));
      return done;
    }
    submit(
        done,
        () -> {
          if (config.id() != nodeId) {
            done.completeExceptionally(new IllegalArgumentException("replica id must be node id"));
            return;
          }
          if (groupId <= PING_GROUP) {
            // Messages of group 0 are the hosts' pings, so such a group would never hear its
            // peers; and a store lists groups in its keys' byte order, where negatives come last.
            done.completeExceptionally(
                new IllegalArgumentException("group ids are positive, not " + groupId));
            return;
          }
          if (groups.containsKey(groupId)) {
            done.completeExceptionally(
                new IllegalStateException("group " + groupId + " is already open on this host"));
            return;
          }
          if (config.readOnlyOption() == ReadOnlyOption.LEASE_BASED && lag == null) {
            done.completeExceptionally(
                new IllegalArgumentException(
                    "lease-based reads need a host clock (Options.withClock): without one a lease"
                        + " counted in delivered ticks outlives the real one when the process"
                        + " pauses"));
            return;
          }
          Group leaving = removing.get(groupId);
          if (leaving != null) {
            addOnceRemoved(leaving, config, done);
            return;
          }
          LogStorage storage = store.storage(groupId);
          RawNode raft;
          try {
            RaftConfig resumed = GroupResume.resume(stateMachine, groupId, storage, config);
            raft = new RawNode(resumed.withDeferCommitBroadcast(true), storage, rng.split());
          } catch (IllegalStateException e) {
            // The state machine and the log disagree: this group cannot open, the others can.
            done.completeExceptionally(e);
            return;
          }
          Group g = new Group(groupId, raft, storage, nextSlot++ % options.tickSlices());
          if (lag != null) {
            raft.ticksOverdue(() -> lag.overdueTicks(g.slot));
          }
          groups.put(groupId, g);
          synchronized (openGroups) {
            openGroups.add(groupId);
          }
          active.get(g.slot).add(g);
          dirty.add(g);
          liveness.watch(groupId, g.raft.confState());
          done.complete(null);
        });
    return done;
  }

  /**
   * Opens a group again once its old replica's log is gone, so that the new replica never sees the
   * old one's entries; fails as the removal did. Saves a caller moving a replica away and back from
   * chaining on {@link #removeGroup}'s future itself.
   */
  private void addOnceRemoved(Group leaving, RaftConfig config, CompletableFuture<Void> done) {
    leaving.removal.whenComplete(
        (gone, why) -> {
          if (why != null) {
            done.completeExceptionally(why);
          } else {
            addGroup(leaving.id, config).whenComplete(completing(done));
          }
        });
  }

  /**
   * Completes {@code target} as the future it is given to completes: with nothing, or its failure.
   */
  private static java.util.function.BiConsumer<Object, Throwable> completing(
      CompletableFuture<Void> target) {
    return (value, failure) -> {
      if (failure != null) {
        target.completeExceptionally(failure);
      } else {
        target.complete(null);
      }
    };
  }

  /**
   * Proposes a command to a group this node leads. Completes with the log index once applied here,
   * or fails with {@link ProposalDroppedException} (not leader, transferring, superseded by a newer
   * leader's entry, or {@code TOO_LARGE}: longer than {@link Options#maxCommandBytes()}).
   */
  public CompletableFuture<Long> propose(long groupId, byte[] command) {
    if (command.length > options.maxCommandBytes()) {
      return CompletableFuture.failedFuture(
          new ProposalDroppedException(
              ProposalDroppedException.Reason.TOO_LARGE,
              0,
              "a command of "
                  + command.length
                  + " bytes, over the limit of "
                  + options.maxCommandBytes()));
    }
    return proposeEntry(groupId, command.length, raft -> raft.propose(command));
  }

  /**
   * Proposes a membership change to a group this node leads (adding a learner, promoting it,
   * removing or replacing a member; see {@link ConfChange}). Completes with its log index once it
   * is in force on this node: applied, and for a change through a joint configuration that Raft
   * leaves on its own, once the leave is applied too, so that a member it removed is out of every
   * quorum and its replica may be destroyed ({@link #removeGroup}). With {@link
   * ConfChange.Transition#JOINT_EXPLICIT} it completes on entering the joint configuration, and the
   * caller proposes {@link ConfChange#leaveJoint()}. If the leave is not seen here within {@link
   * Options#waitTicks()}, it fails with {@link ProposalOutcomeUnknownException}. Fails like {@link
   * #propose}, and with {@code CONF_CHANGE_PENDING} while an earlier change is not applied yet or
   * {@code CONF_CHANGE_INVALID} for a change the configuration does not allow (among them removing
   * or demoting the leader itself: transfer leadership first).
   *
   * <p>A new member's node must have the group open ({@link #addGroup} on an empty log): the leader
   * then sends it a snapshot and the entries after it. A member joins as a learner and becomes a
   * voter once it has caught up, so that the group's quorum never waits for a replica still
   * receiving its snapshot, or for one its node never opened: a change that would make a voter of
   * any other node fails with {@code VOTER_NOT_READY} (retry once the learner has caught up).
   */
  public CompletableFuture<Long> proposeConfChange(long groupId, ConfChange change) {
    return proposeEntry(
        groupId,
        change.encode().length,
        raft -> {
          VoterReadiness.check(groupId, raft.status(), change);
          return raft.proposeConfChange(change);
        });
  }

  /**
   * Closes this node's replica of a group and destroys its log (durably), once the caller knows the
   * replica is no longer needed: a committed membership change removed this node (the removed
   * replica may never learn it, so this does not wait for it to), or the whole group is deleted.
   * Proposals waiting on the replica fail with {@link ProposalOutcomeUnknownException} (they may
   * still commit through the others), reads with {@code READ_ABANDONED}; messages for the group are
   * then ignored. Completes once the log is gone; a {@link DurableStateMachine} has dropped the
   * group's state by then, any other state machine's data the caller drops, in a callback of the
   * returned future: it runs on the loop before an {@link #addGroup} called meanwhile opens the
   * group again (which it does once the removal completes), so a replica reopened here never meets
   * the old one's data. Completing or timing out the returned future does not stop or hasten the
   * removal.
   *
   * <p>The store keeps the replica's term and vote ({@link LogStore#destroy}): replica ids are node
   * ids, so a replica opened here again must not vote a second time in a term the old one voted in,
   * for a candidate that has not applied this node's removal would count it. Messages still in
   * flight to the old replica are harmless (a stale heartbeat commits nothing). Bring a node back
   * as a learner and promote it once caught up, so that no quorum waits for its snapshot.
   */
  public CompletableFuture<Void> removeGroup(long groupId) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    submit(
        done,
        () -> {
          Group g = groups.remove(groupId);
          synchronized (openGroups) {
            openGroups.remove(groupId);
          }
          if (g == null) {
            done.completeExceptionally(new IllegalArgumentException("no group " + groupId));
            return;
          }
          active.get(g.slot).remove(g);
          dirty.remove(g);
          liveness.unwatch(groupId);
          g.waiters.replicaRemoved(
              g.raft.leader(),
              "group " + groupId + ": its replica on node " + nodeId + " was removed");
          g.removal = new CompletableFuture<>();
          g.removal.whenComplete(completing(done));
          removing.put(groupId, g);
          if (!g.awaitingSync) {
            toDestroy.add(g); // else once its last write is durable (see finish)
          }
        });
    return done;
  }

  private CompletableFuture<Long> proposeEntry(
      long groupId, long payloadBytes, java.util.function.ToLongFunction<RawNode> append) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    long bytes = payloadBytes + MESSAGE_OVERHEAD_BYTES;
    if (!admit(bytes)) {
      stats.proposalsRefused.incrementAndGet();
      f.completeExceptionally(
          new ProposalDroppedException(
              ProposalDroppedException.Reason.BACKLOG,
              0,
              "node " + nodeId + " has " + inboxBytes.get() + " bytes of input waiting"));
      return f;
    }
    submit(
        f,
        bytes,
        () -> {
          Group g = groups.get(groupId);
          if (g == null) {
            f.completeExceptionally(new IllegalArgumentException("no group " + groupId));
            return;
          }
          if (g.raft.role() != Role.LEADER) {
            // Refused without waking the group: a woken follower ticks while its quiesced leader
            // stays silent, so it would call an election once its timer ran out, and win it where
            // another member had not heard of the leader since a restart, superseding proposals
            // (host simulation seed 1003439). A leader on a silent node wakes its followers anyway.
            long lead = g.raft.leader();
            f.completeExceptionally(
                new ProposalDroppedException(
                    lead == 0
                        ? ProposalDroppedException.Reason.NO_LEADER
                        : ProposalDroppedException.Reason.NOT_LEADER,
                    lead,
                    "group " + groupId));
            return;
          }
          wake(g);
          try {
            long index = append.applyAsLong(g.raft);
            g.waiters.proposed(index, g.raft.term(), ticks, f);
            if (tracing) {
              trace.at(groupId, index, CommitTrace.Stage.PROPOSED, nodeId, 0);
            }
          } catch (ProposalDroppedException e) {
            f.completeExceptionally(e);
          }
          dirty.add(g);
        });
    return f;
  }

  /** A linearizable read point: completes with an index this node has applied, safe to read at. */
  public CompletableFuture<Long> readIndex(long groupId) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    submit(
        f,
        () -> {
          Group g = groups.get(groupId);
          if (g == null) {
            f.completeExceptionally(new IllegalArgumentException("no group " + groupId));
            return;
          }
          wake(g);
          byte[] ctx = ByteBuffer.allocate(16).putLong(nodeId).putLong(++readSeq).array();
          try {
            g.raft.readIndex(ctx);
            g.waiters.readRequested(ctx, ticks, f);
          } catch (ProposalDroppedException e) {
            f.completeExceptionally(e);
          }
          dirty.add(g);
        });
    return f;
  }

  /**
   * Asks a group to move its leadership to {@code target}, a voter of its configuration; on a
   * follower the request goes to the leader. Completes once the request is made: the transfer
   * itself may still not happen (the leader changes, or the target does not catch up within an
   * election timeout). Fails with {@link IllegalArgumentException} for a group not open here or a
   * target that is not a voter.
   */
  public CompletableFuture<Void> transferLeadership(long groupId, long target) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    submit(
        f,
        () -> {
          Group g = groups.get(groupId);
          if (g == null) {
            f.completeExceptionally(new IllegalArgumentException("no group " + groupId));
            return;
          }
          ConfState cs = g.raft.confState();
          if (!cs.voters().contains(target) && !cs.votersOutgoing().contains(target)) {
            f.completeExceptionally(
                new IllegalArgumentException(
                    "node " + target + " is not a voter of group " + groupId + ": " + cs));
            return;
          }
          wake(g);
          g.raft.transferLeadership(target);
          dirty.add(g);
          f.complete(null);
        });
    return f;
  }

  /**
   * Hands the leadership of every group this node leads to another voter, for a stop that costs no
   * group an election (a rolling restart, say): each leader picks its most caught-up voter on a
   * node not known to be down, brings its log up to date and tells it to campaign at once; a
   * transfer that does not finish within an election timeout is tried again at the next tick.
   * Completes with the number of groups still led here once that is none, or after {@link
   * Options#waitTicks()} ticks (a group with no other voter to take over stays led here; one whose
   * other voters are all down is not counted, since check-quorum deposes its leader anyway). The
   * node goes on serving as a follower, and may be elected again later.
   */
  public CompletableFuture<Integer> drainLeadership() {
    CompletableFuture<Integer> f = new CompletableFuture<>();
    submit(
        f,
        () -> {
          drain.begin(f, ticks + options.waitTicks());
          handOffLeaderships();
        });
    return f;
  }

  /** While a drain waits: each group led here starts a hand-off unless one is under way. */
  private void handOffLeaderships() {
    int led = 0;
    for (Group g : groups.values()) {
      if (g.raft.role() == Role.LEADER) {
        led++;
        wake(g);
        if (g.raft.handOffLeadership(isDown) != 0) {
          dirty.add(g);
        }
      }
    }
    drain.finishIfDone(led, ticks);
  }

  /**
   * One slice of a tick: one tick of the Raft clock for every group of the next slice that is not
   * quiesced (with one slice, the default, every group). Call at a fixed rate, {@link
   * Options#tickSlices()} times per tick interval. A host with a {@link Options#clock() clock}
   * counts the slices by it instead, and a call only makes sure it looks soon.
   */
  public void tick() {
    // With a clock, every cycle delivers the slices due by it: a call only wakes the loop.
    submit(lag == null ? this::onTick : NOTHING);
  }

  private static final Runnable NOTHING = () -> {};

  /** Delivers every tick slice the clock says is due (with a clock; see {@link TickLag}). */
  private void catchUpTicks() {
    for (long due = lag.dueSlices(); due > 0; due--) {
      lag.delivered();
      onTick();
    }
  }

  @Override
  public void receive(long fromNode, List<Envelope> batch) {
    long bytes = 0;
    for (Envelope e : batch) {
      bytes += MESSAGE_OVERHEAD_BYTES;
      for (Entry entry : e.message().entries()) {
        bytes += entry.sizeBytes();
      }
      if (e.message().snapshot() != null && e.message().snapshot().data() != null) {
        bytes += e.message().snapshot().data().length;
      }
    }
    if (!admit(bytes)) {
      stats.inboundDropped.addAndGet(batch.size());
      return;
    }
    if (tracing) {
      traceAppends(batch, CommitTrace.Stage.RECEIVED);
    }
    submit(null, bytes, () -> onReceive(fromNode, batch));
  }

  /** Rough per-message cost in the inbox beyond its payload (headers, objects). */
  private static final long MESSAGE_OVERHEAD_BYTES = 64;

  /** Reserves inbox space for an input: always when the inbox is empty, else within the limit. */
  private boolean admit(long bytes) {
    while (true) {
      long now = inboxBytes.get();
      if (now > 0 && now + bytes > options.maxInboxBytes()) {
        return false;
      }
      if (inboxBytes.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  /**
   * A durable state machine takes a received image into its own {@link
   * DurableStateMachine#receiveImage sink}; once finished, the snapshot message goes to the loop
   * without data. Otherwise the image is assembled in memory and stored in the log.
   */
  @Override
  public ImageSink snapshotSink(long fromNode, Envelope header) {
    Throwable failed = failure;
    if (failed != null) {
      throw new HostFailedException(nodeId, failed); // an image taken now would be held for good
    }
    ImageSink image;
    synchronized (openGroups) {
      if (!openGroups.contains(header.groupId())) {
        // Its image would be held for a group that will never restore or drop it.
        throw new IllegalStateException(
            "group " + header.groupId() + " is not open on node " + nodeId);
      }
      image =
          durable == null
              ? AssemblingSink.ofMessage(header, whole -> receive(fromNode, List.of(whole)))
              : durable.receiveImage(header.groupId(), header.message().snapshot());
    }
    return new ImageSink() {
      @Override
      public void write(byte[] chunk) {
        stats.snapshotChunksReceived.incrementAndGet();
        image.write(chunk);
      }

      private boolean finished;

      @Override
      public void finish() {
        image.finish();
        finished = true; // held now, whatever happens to the message
        stats.snapshotsReceived.incrementAndGet();
        if (durable != null) {
          receive(fromNode, List.of(header));
        }
      }

      @Override
      public void abort() {
        if (finished) {
          return; // handing the message on failed: the image is held, and dropped when useless
        }
        stats.snapshotStreamsAborted.incrementAndGet();
        image.abort();
      }
    };
  }

  @Override
  public void snapshotStatus(long groupId, long toNode, boolean delivered) {
    submit(
        () -> {
          images.ended(groupId, toNode);
          stats.imagesInFlight = images.inFlight();
          Group g = groups.get(groupId);
          if (g != null) {
            g.raft.reportSnapshot(toNode, delivered);
            dirty.add(g);
          }
        });
  }

  /** Runs {@code query} on the loop (for tests and status pages). */
  public <T> CompletableFuture<T> inspect(
      java.util.function.Function<Map<Long, RawNode>, T> query) {
    CompletableFuture<T> f = new CompletableFuture<>();
    submit(
        f,
        () -> {
          Map<Long, RawNode> view = new TreeMap<>();
          groups.forEach((k, v) -> view.put(k, v.raft));
          f.complete(query.apply(view));
        });
    return f;
  }

  /** Number of groups currently ticked (not quiesced); read on the loop via inspect. */
  public CompletableFuture<Integer> activeGroups() {
    CompletableFuture<Integer> f = new CompletableFuture<>();
    submit(f, () -> f.complete(active.stream().mapToInt(LinkedHashSet::size).sum()));
    return f;
  }

  private void submit(Runnable r) {
    submit(null, 0, r);
  }

  private void submit(CompletableFuture<?> f, Runnable r) {
    submit(f, 0, r);
  }

  /** Queues {@code r} for the loop; once the host failed, fails {@code f} (if any) instead. */
  private void submit(CompletableFuture<?> f, long bytes, Runnable r) {
    inbox.add(
        () -> {
          inboxBytes.addAndGet(-bytes);
          Throwable failed = failure;
          if (failed == null) {
            r.run();
          } else if (f != null) {
            f.completeExceptionally(new HostFailedException(nodeId, failed));
          }
        });
    if (wip.getAndIncrement() == 0) {
      loop.execute(this::drain);
    }
  }

  /** The failure that stopped this host, or null while it runs. */
  public Throwable failure() {
    return failure;
  }

  // ------------------------------------------------------------------ the loop

  private void drain() {
    int missed = 1;
    do {
      try {
        cycle();
      } catch (RuntimeException | Error e) {
        stop(e);
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  /**
   * Stops serving after a failure: nothing may be acknowledged once a write or an invariant failed,
   * so every waiting caller is failed and every later input too (see {@link #submit}).
   */
  private void stop(Throwable e) {
    synchronized (syncerSends) {
      if (failure == null) {
        failure = e;
        LOG.log(System.Logger.Level.ERROR, "raft host of node " + nodeId + " stopped", e);
      }
    }
    HostFailedException failed = new HostFailedException(nodeId, e);
    syncs.abandon();
    drain.failAll(failed);
    for (Group g : groups.values()) {
      g.waiters.failAll(failed);
    }
    for (Group g : removing.values()) {
      g.removal.completeExceptionally(failed);
    }
    removing.clear();
    toDestroy.clear();
    Runnable r;
    while ((r = inbox.poll()) != null) {
      r.run(); // each fails its caller's future: failure is set
    }
  }

  private void cycle() {
    if (lag != null && failure == null) {
      catchUpTicks();
    }
    stats.cycles++;
    Runnable r;
    while ((r = inbox.poll()) != null) {
      r.run();
    }
    if (failure != null) {
      // Stopped (in this cycle or an earlier one): write, send and apply nothing more. The inputs
      // above have failed their callers.
      dirty.clear();
      return;
    }
    // A group whose write waits for its fsync has no Ready to give (its last one is outstanding);
    // every other group's Ready is carried out now, its writes made at once whether or not an
    // fsync runs, to be made durable by the next one.
    // One log write per cycle: a group whose Ready needs a write after this cycle wrote (a leader
    // leaving a joint configuration once it applied it, say) waits for the next cycle, which starts
    // right after this one.
    boolean wrote = false;
    boolean leftForNextCycle = false;
    boolean progress = true;
    while (!dirty.isEmpty() && progress) {
      List<Group> touched = new ArrayList<>(dirty);
      dirty.clear();
      List<Group> ready = new ArrayList<>();
      for (Group g : touched) {
        if (!g.raft.hasReady()) {
          continue;
        }
        if (wrote && g.raft.readyMustPersist()) {
          leftForNextCycle = true;
        } else {
          ready.add(g);
        }
      }
      progress = !ready.isEmpty();
      if (progress) {
        wrote |= process(ready);
      }
      for (Group g : touched) {
        if (g.awaitingSync) {
          continue; // decided once its write is durable (it is touched again then)
        }
        g.quiesceDue = !g.quiesced && mayQuiesce(g);
        if (!g.quiesceDue) {
          g.raft.flushCommit(isDown);
        }
        if (g.raft.hasReady()) {
          dirty.add(g); // apply produced more work (conf changes, commits, quiesce heartbeats)
        }
      }
    }
    if (!toDestroy.isEmpty()) {
      // No Ready was processed this cycle (the first process call takes them all): the removed
      // groups' logs get a write of their own.
      process(List.of());
    }
    stats.batchSyncs = syncs.syncs(); // a finished fsync may have started the next one
    if (leftForNextCycle) {
      submit(() -> {}); // the groups stay dirty; an input makes the loop run the next cycle
    }
  }

  /**
   * Takes the Ready of each group in {@code ready} and sends what may go before persistence. The
   * Readys that write nothing are finished at once; the others are written together and wait in
   * {@link #syncs} for their fsync. The write also destroys the logs of removed groups ({@link
   * #toDestroy}), so that a removal costs no fsync of its own. Returns whether it wrote.
   */
  private boolean process(List<Group> ready) {
    Map<Long, List<Envelope>> early = new TreeMap<>();
    Flight now = newFlight(null);
    Flight later = newFlight(store.newBatch());
    try (LogBatch synced = later.batch()) {
      for (Group g : ready) {
        Ready rd = g.raft.ready();
        Flight f = rd.mustPersist() ? later : now;
        f.groups().add(g);
        f.readies().add(rd);
        if (rd.softState() != null) {
          g.waiters.abandonReads(g.raft.leader(), "leadership changed");
        }
        route(g, rd.messages(), early);
        route(g, rd.messagesAfterPersist(), f.late());
        if (rd.mustPersist()) {
          g.storage.stage(f.batch(), rd.hardState(), rd.entries(), rd.snapshot());
          stats.readiesPersisted++;
        }
      }
      flush(early);
      // Only inbox tasks add to it, so the cycle's first call takes every removal of the cycle and
      // writes; the cycle's later calls find it empty and write nothing (one write per cycle).
      for (Group g : toDestroy) {
        store.destroy(later.batch(), g.id);
        later.destroyed().add(g);
      }
      toDestroy.clear();
      if (!later.groups().isEmpty() || !later.destroyed().isEmpty()) {
        synced.write();
        stats.batchCommits++;
        traceEntries(later, CommitTrace.Stage.WRITTEN);
        later.groups().forEach(g -> g.awaitingSync = true);
        syncs.written(later);
      }
    }
    flush(now.late()); // nothing to wait for
    finishCommitted(now);
    return !later.groups().isEmpty() || !later.destroyed().isEmpty();
  }

  private static Flight newFlight(LogBatch batch) {
    return new Flight(
        new ArrayList<>(), new ArrayList<>(), new TreeMap<>(), batch, new ArrayList<>());
  }

  /**
   * Orders the syncer's sends against {@link #stop}: a flight's messages go out whole before the
   * host stops, or not at all.
   */
  private final Object syncerSends = new Object();

  /**
   * On the syncer, once a flight's batch is durable: sends its acknowledgements and votes at once,
   * while the loop may be in the middle of a cycle (the loop finishes the flight when it gets to
   * it). A stopped host sends nothing more.
   */
  private void sendSynced(Flight f) {
    synchronized (syncerSends) {
      if (failure == null) {
        traceEntries(f, CommitTrace.Stage.DURABLE);
        flush(f.late());
      }
    }
  }

  /** A flight's batch is durable (its messages sent): make it visible, then finish it. */
  private void finish(Flight f) {
    f.batch().markDurable();
    f.groups().forEach(g -> g.awaitingSync = false);
    finishCommitted(f);
    for (Group g : f.groups()) {
      if (g.removal != null) {
        toDestroy.add(g);
      } else {
        dirty.add(g); // its next Ready may have built up meanwhile
      }
    }
    for (Group g : f.destroyed()) {
      if (durable != null) {
        durable.destroy(g.id);
      }
      removing.remove(g.id);
      g.removal.complete(null);
    }
  }

  /**
   * Applies and advances the groups of a visible flight, whose acknowledgements and votes have been
   * sent.
   */
  private void finishCommitted(Flight f) {
    for (int i = 0; i < f.groups().size(); i++) {
      Group g = f.groups().get(i);
      if (g.removal != null) {
        continue; // removed while its write was syncing: nothing more to apply
      }
      apply(g, f.readies().get(i));
      g.raft.advance(f.readies().get(i));
      maybeCompact(g);
      release(g);
    }
  }

  /**
   * Tells the group's storage which entries it need not keep in memory: those applied here and, on
   * a leader, held by every member on a live node, but one, whose term the next append is checked
   * against. A storage that caches entries can then hold only those still on their way.
   */
  private void release(Group g) {
    if (g.applied - 1 <= g.released) {
      return; // nothing newly applied: skip reading the members' progress
    }
    long through = Math.min(g.applied, g.raft.replicatedIndex(isDown)) - 1;
    if (through > g.released) {
      g.storage.releaseThrough(through);
      g.released = through;
    }
  }

  /** A compaction's snapshot record for a durable state machine: no image. */
  private static final byte[] NO_IMAGE = new byte[0];

  /**
   * Snapshots a group whose log grew past a limit ({@link Options#compactAfterEntries()}, {@link
   * Options#compactAfterBytes()}) and drops its older part: half of its entries, or everything up
   * to where the last compaction stood, whichever drops more of what the limits reached ask for.
   * The rest stays so that a follower slightly behind catches up from the log, not with a snapshot.
   */
  private void maybeCompact(Group g) {
    long every = options.compactAfterEntries();
    long bytes = options.compactAfterBytes();
    boolean byCount = every > 0 && g.applied - g.storage.firstIndex() + 1 >= every;
    boolean byBytes = bytes > 0 && g.appliedBytesSinceCompaction >= bytes;
    if (!byCount && !byBytes) {
      return;
    }
    // A durable state machine keeps its state itself: the log records only where it now starts.
    byte[] image = durable == null ? stateMachine.snapshot(g.id) : NO_IMAGE;
    g.storage.createSnapshot(g.applied, g.raft.confState(), image);
    stats.snapshotsCreated++;
    long to = Math.max(byCount ? g.applied - every / 2 : 0, byBytes ? g.compactedAt : 0);
    if (to >= g.storage.firstIndex()) {
      g.storage.compact(to);
    }
    g.compactedAt = g.applied;
    g.appliedBytesSinceCompaction = 0;
  }

  /**
   * Gives up on proposals and reads that waited longer than {@link Options#waitTicks()}; returns
   * whether it gave up on any. A group with waiters is never quiesced, so checking the ticked
   * groups covers them all.
   */
  private boolean expireWaits(Group g) {
    return g.waiters.expire(ticks - options.waitTicks(), g.raft.leader(), expiredWhy);
  }

  /**
   * A durable state machine's snapshot message: the log's snapshot record holds no image, so the
   * image is taken now ({@link DurableStateMachine#takeImage}) and the message labelled with the
   * index applied so far, its term, and the membership as of it (conf changes reach Raft as they
   * are applied). Null if the replica no longer leads in the message's term: it may have installed
   * a newer leader's snapshot since the core built the message (in the same cycle), so that what it
   * applied is no longer in its log; a message of a lost leadership would be refused anyway.
   */
  private Message labelledNow(Group g, Message snap) {
    if (g.raft.role() != Role.LEADER
        || g.raft.term() != snap.term()
        || g.applied < g.raft.firstIndex() - 1) {
      return null;
    }
    Snapshot s = new Snapshot(g.applied, g.raft.entryTerm(g.applied), g.raft.confState(), null);
    return snap.toBuilder().snapshot(s).build();
  }

  private void route(Group g, List<Message> msgs, Map<Long, List<Envelope>> byNode) {
    long groupId = g.id;
    for (Message m : msgs) {
      if (m.type() == MessageType.SNAP) {
        sendSnapshot(g, m);
      } else {
        byNode.computeIfAbsent(m.to(), k -> new ArrayList<>()).add(new Envelope(groupId, m));
      }
    }
  }

  private void sendSnapshot(Group g, Message m) {
    if (durable == null) {
      // The image is the one in the log's snapshot record, already in memory.
      ImageSource image = ImageSource.of(m.snapshot().data());
      transport.sendSnapshot(m.to(), new Envelope(g.id, m), image);
    } else {
      Message labelled = labelledNow(g, m);
      if (labelled == null) {
        return;
      }
      if (!images.tryStart(g.id, m.to())) {
        stats.snapshotsDeferred++;
        g.raft.reportSnapshot(m.to(), false);
        dirty.add(g);
        return;
      }
      stats.imagesInFlight = images.inFlight();
      transport.sendSnapshot(m.to(), new Envelope(g.id, labelled), durable.takeImage(g.id));
    }
    stats.messagesSent.incrementAndGet();
  }

  /** Sends each node its batch; runs on the loop, or on the syncer for what waited for a sync. */
  private void flush(Map<Long, List<Envelope>> byNode) {
    for (Map.Entry<Long, List<Envelope>> e : byNode.entrySet()) {
      transport.send(e.getKey(), e.getValue());
      stats.sends.incrementAndGet();
      stats.messagesSent.addAndGet(e.getValue().size());
    }
  }

  private void traceEntries(Flight f, CommitTrace.Stage stage) {
    if (!tracing) {
      return;
    }
    for (int i = 0; i < f.groups().size(); i++) {
      long group = f.groups().get(i).id;
      for (Entry e : f.readies().get(i).entries()) {
        trace.at(group, e.index(), stage, nodeId, 0);
      }
    }
  }

  private void traceAppends(List<Envelope> batch, CommitTrace.Stage stage) {
    for (Envelope e : batch) {
      if (e.message().type() == MessageType.APP) {
        for (Entry entry : e.message().entries()) {
          trace.at(e.groupId(), entry.index(), stage, nodeId, 0);
        }
      }
    }
  }

  private void traceStep(Envelope e) {
    Message m = e.message();
    if (m.type() == MessageType.APP) {
      traceAppends(List.of(e), CommitTrace.Stage.STEPPED);
    } else if (m.type() == MessageType.APP_RESP && !m.reject()) {
      trace.at(e.groupId(), m.index(), CommitTrace.Stage.ACKNOWLEDGED, nodeId, m.from());
    }
  }

  private void apply(Group g, Ready rd) {
    if (rd.snapshot() != null) {
      stateMachine.restore(g.id, rd.snapshot());
      g.applied = rd.snapshot().index();
      // The log now starts there: nothing before it is left to drop.
      g.compactedAt = g.applied;
      g.appliedBytesSinceCompaction = 0;
      g.waiters.giveUpProposals(rd.snapshot().index(), "a snapshot replaced the log up to it");
      liveness.watch(g.id, rd.snapshot().conf());
      if (!rd.snapshot().conf().isJoint()) {
        g.waiters.jointLeft();
      }
    }
    for (Entry e : rd.committedEntries()) {
      ConfState cs = null;
      if (e.type() == EntryType.CONF_CHANGE) {
        cs = g.raft.applyConfChange(ConfChange.decode(e.data()));
        liveness.watch(g.id, cs);
      }
      stateMachine.apply(g.id, e);
      g.applied = e.index();
      g.appliedBytesSinceCompaction += e.sizeBytes();
      if (tracing) {
        trace.at(g.id, e.index(), CommitTrace.Stage.APPLIED, nodeId, 0);
      }
      if (cs != null && cs.isJoint() && cs.autoLeave()) {
        g.waiters.appliedIntoJoint(e, g.raft.leader(), ticks);
      } else {
        g.waiters.applied(e, g.raft.leader());
      }
      if (cs != null && !cs.isJoint()) {
        g.waiters.jointLeft();
      }
    }
    g.waiters.readsConfirmed(rd.readStates(), g.applied);
  }

  // ------------------------------------------------------------------ ticks, liveness, quiescence

  private boolean mayQuiesce(Group g) {
    return options.quiesce() && g.waiters.idle() && g.raft.canQuiesce(isDown);
  }

  private void onTick() {
    int slice = (int) (sliceCalls++ % options.tickSlices());
    if (slice == 0) {
      nodeTick();
    }
    for (Iterator<Group> it = active.get(slice).iterator(); it.hasNext(); ) {
      Group g = it.next();
      if (g.quiesceDue) {
        g.quiesceDue = false;
        if (mayQuiesce(g)) {
          g.raft.quiesce();
          g.quiesced = true;
          // Its slice is running now and does not tick it: this tick is the first it misses.
          g.untickedFrom = nextTickOf(g);
          it.remove();
          dirty.add(g);
          continue;
        }
      }
      g.raft.tick();
      stats.groupTicks++;
      boolean expired = expireWaits(g);
      // Most ticks of a follower change nothing; a leader's are looked at in any case, since its
      // next cycle also decides whether it may quiesce.
      if (expired || g.raft.role() == Role.LEADER || g.raft.hasReady()) {
        dirty.add(g);
      }
    }
    slicesDone = slice + 1;
  }

  /** The first whole tick that the slice of {@code g}'s slot has not run in (yet). */
  private long nextTickOf(Group g) {
    return g.slot < slicesDone ? ticks + 1 : ticks;
  }

  /** What happens once per whole tick: pings to peer nodes, and their liveness. */
  private void nodeTick() {
    ticks++;
    slicesDone = 0;
    if (drain.active()) {
      handOffLeaderships();
    }
    if (ticks % options.pingTicks() == 0) {
      for (long peer : liveness.peers()) {
        sendPing(peer, MessageType.HEARTBEAT);
      }
    }
    for (long peer : liveness.tick(ticks)) {
      stats.peersSilenced++;
      // A node went silent: the groups it led must elect someone else. Those quiesced did not tick
      // meanwhile; their timers count the silence, so they elect as soon as ticking ones would.
      for (Group g : groups.values()) {
        if (g.raft.leader() == peer) {
          wake(g);
          g.raft.leaderSilentFor(options.deadTicks(), g.id);
        }
      }
    }
  }

  private void onReceive(long fromNode, List<Envelope> batch) {
    if (liveness.heardFrom(fromNode, ticks)) {
      // Back from the dead: groups we lead may have quiesced without it; let them catch it up.
      for (Group g : groups.values()) {
        if (g.quiesced
            && g.raft.role() == Role.LEADER
            && PeerLiveness.isMember(g.raft.confState(), fromNode)) {
          wake(g);
        }
      }
    }
    for (Envelope e : batch) {
      if (e.groupId() == PING_GROUP) {
        if (e.message().type() == MessageType.HEARTBEAT) {
          answerPingOfUnwatched(fromNode);
        }
        continue;
      }
      Group g = groups.get(e.groupId());
      if (g == null) {
        continue; // a group not (yet) created here; its leader will retry
      }
      Message m = e.message();
      if (m.to() != nodeId || m.from() != fromNode) {
        // Replica ids are node ids: this one is for another replica, or not from its sender's (a
        // sender's bug or a stale address book). Stepped, it would stop the host.
        stats.messagesMisaddressed.incrementAndGet();
        continue;
      }
      if (m.type() == MessageType.SNAP && !imageHeldFor(g, m.snapshot())) {
        stats.snapshotsWithoutImage++;
        continue; // its leader sends another when it learns the follower is still behind
      }
      if (tracing) {
        traceStep(e);
      }
      if (g.quiesced) {
        catchUpClock(g); // a message may stay without waking it: a heard leader's promise counts
      }
      g.raft.step(m);
      dirty.add(g);
      boolean quiesceHeartbeat = m.type() == MessageType.HEARTBEAT && m.isQuiesce();
      if (quiesceHeartbeat
          && options.quiesce()
          && g.raft.role() == Role.FOLLOWER
          && g.raft.leader() == m.from()
          && g.raft.commitIndex() == g.raft.lastIndex()) {
        g.quiesced = true;
        g.untickedFrom = nextTickOf(g);
        active.get(g.slot).remove(g);
      } else if (!lateAckToQuiescedLeader(g, m)) {
        wake(g);
      }
    }
  }

  /**
   * Answers the ping of a node that this host does not ping on its own, while some replica here
   * knows no member yet: a new member opened on an empty log knows none of its peers, yet the
   * leader that added it watches it and, having quiesced the group while it was unreachable, wakes
   * the group only once it hears from its node. Only then: a node answering every ping would count
   * as alive for its process alone, even one that dropped its replica of a group it led (restarted,
   * not reopened yet), whose quiesced followers would then never elect. The answer is a {@code
   * HEARTBEAT_RESP}, which is never answered: two nodes that both stopped watching each other while
   * a ping was in flight would otherwise bounce it back and forth for good.
   */
  private void answerPingOfUnwatched(long fromNode) {
    if (liveness.awaitsMembers() && !liveness.peers().contains(fromNode)) {
      sendPing(fromNode, MessageType.HEARTBEAT_RESP); // our own pings reach the watched ones
    }
  }

  private void sendPing(long node, MessageType type) {
    Message ping = Message.builder(type).from(nodeId).build();
    transport.send(node, List.of(new Envelope(PING_GROUP, ping)));
    stats.sends.incrementAndGet();
    stats.messagesSent.incrementAndGet();
  }

  /**
   * Whether a durable state machine holds the image of a snapshot message about to be stepped: one
   * it does not (dropped since it arrived: by a restore, an apply past it, the group's removal)
   * would make the restore fail and stop the host, were Raft to take the snapshot.
   */
  private boolean imageHeldFor(Group g, Snapshot s) {
    return durable == null || durable.holdsImage(g.id, s.index());
  }

  /**
   * Whether {@code m} is an acknowledgement that reached a quiesced leader and changed nothing it
   * must act on (the acks of the commit-index appends typically arrive just after it quiesced).
   * Waking for it would only make the leader quiesce again: two more heartbeats per follower.
   */
  private boolean lateAckToQuiescedLeader(Group g, Message m) {
    return g.quiesced
        && (m.type() == MessageType.APP_RESP || m.type() == MessageType.HEARTBEAT_RESP)
        && g.raft.role() == Role.LEADER
        && g.waiters.idle()
        && g.raft.canQuiesce(isDown);
  }

  private void wake(Group g) {
    if (g.quiesced) {
      catchUpClock(g);
      g.quiesced = false;
      active.get(g.slot).add(g);
    }
  }

  /**
   * Gives a quiesced replica the whole ticks it was not ticked for, before it takes anything else:
   * a follower quiesced long ago must not go on backing its leader's lease as if no time had passed
   * (in lease mode it would refuse every vote for a whole timeout after its leader's node went
   * silent), and must not count the gap after hearing from a leader, which would cut that promise
   * short. Exactly the ticks its slot's slice ran in meanwhile: one more would put the replica's
   * clock ahead of the host's; the one after, if this tick's slice has not run yet, it gets from
   * the slice.
   */
  private void catchUpClock(Group g) {
    long next = nextTickOf(g);
    long missed = next - g.untickedFrom;
    if (missed > 0) {
      g.raft.ticksMissed(missed);
      g.untickedFrom = next;
    }
  }
}
