package io.rangedb.rangestore.raftnet;

import io.grpc.BindableService;
import io.grpc.ConnectivityState;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.Transport;
import io.rangedb.wire.proto.RaftTransportGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Raft {@link Transport} between nodes over gRPC: one bidirectional stream per peer carries the
 * messages of every group, batched per destination by the host; snapshots stream separately in
 * chunks. The receiving half is {@link #service()}, which the node registers on its gRPC server,
 * built through {@link #configureServer} so that peers' keepalive pings are allowed. Keepalive
 * finds peers that stopped answering, snapshot calls have deadlines, and received snapshots a size
 * limit (see {@link Options}).
 */
public final class GrpcRaftTransport implements Transport, AutoCloseable {

  /**
   * Tuning; the defaults suit loopback and a LAN.
   *
   * @param maxBatchBytes bytes of messages per gRPC message; a single larger Raft message still
   *     goes alone, up to {@code maxMessageBytes}
   * @param keepAliveTime how long a connection to a peer may stay silent before this node pings it
   *     (HTTP/2 PING, also while no call is open); gRPC raises anything under 10 s to 10 s
   * @param keepAliveTimeout how long a ping may go unanswered before the connection is declared
   *     dead: its streams fail (their queued messages count as dropped) and the next send opens a
   *     new one on a new connection
   * @param snapshotTimeoutPerChunk the deadline of a snapshot call is this times (chunks + 1), so a
   *     stalled peer fails the send (reported as not delivered) instead of holding it forever
   * @param maxSnapshotBytes the most snapshot data this node accepts in one snapshot call; a stream
   *     that goes past it is refused with RESOURCE_EXHAUSTED and what arrived is dropped. It must
   *     exceed the largest snapshot a group of the cluster can produce.
   * @param maxSnapshotSends the most snapshot calls this node runs at once, to all peers together;
   *     later ones wait their turn in order (their images already taken, their deadlines not yet
   *     running), so that a node coming back to a thousand groups that all need a snapshot gets
   *     them a few at a time, not a thousand streams sharing the link and the disks at once
   * @param maxMessageBytes the largest gRPC message of the Raft stream: the server built through
   *     {@link #configureServer} accepts messages up to it, and a sender drops (and counts, see
   *     {@link #oversizedMessages()}) a single Raft message that alone is larger, since the peer
   *     would refuse it and break the stream that every group's messages share, again at each
   *     retransmission. Every node of a cluster must use the same value, above the hosts' largest
   *     command and the groups' maxSizePerMsg
   * @param maxSnapshotReceives the most snapshot streams this node takes at once, from all peers
   *     together; a stream past it is refused with UNAVAILABLE at its first chunk, before anything
   *     is written, and its leader sends again later. Each peer sends at most its {@code
   *     maxSnapshotSends} at once, so this matters when many peers catch one node up together
   * @param snapshotBytesPerSecond the most snapshot data this node sends per second, to all peers
   *     together (0: as fast as the streams take it), so that replicas catching up by snapshot
   *     leave the link and the disks to the Raft traffic that commits depend on. Pacing needs the
   *     scheduler given to the transport's constructor; each snapshot call's deadline grows by the
   *     time its image takes at this rate while the most calls at once share it
   */
  public record Options(
      int snapshotChunkBytes,
      long maxQueuedBytesPerPeer,
      long maxBatchBytes,
      Duration keepAliveTime,
      Duration keepAliveTimeout,
      Duration snapshotTimeoutPerChunk,
      long maxSnapshotBytes,
      int maxSnapshotSends,
      long maxMessageBytes,
      int maxSnapshotReceives,
      long snapshotBytesPerSecond) {
    public static final Duration DEFAULT_KEEPALIVE_TIME = Duration.ofSeconds(10);
    public static final Duration DEFAULT_KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SNAPSHOT_TIMEOUT_PER_CHUNK = Duration.ofSeconds(10);
    public static final long DEFAULT_MAX_SNAPSHOT_BYTES = 256L << 20;
    public static final int DEFAULT_MAX_SNAPSHOT_SENDS = 4;

    /**
     * Twice a peer's default sends at once: two peers of a three-node cluster are never refused.
     */
    public static final int DEFAULT_MAX_SNAPSHOT_RECEIVES = 8;

    public static final long DEFAULT_MAX_MESSAGE_BYTES = 16L << 20;

    /** Snapshots are not paced unless asked for: the right rate depends on the link. */
    public static final long DEFAULT_SNAPSHOT_BYTES_PER_SECOND = 0;

    public static final Options DEFAULT = new Options(1 << 20, 64L << 20, 2L << 20);

    public Options {
      if (snapshotChunkBytes <= 0 || maxQueuedBytesPerPeer <= 0 || maxBatchBytes <= 0) {
        throw new IllegalArgumentException("sizes must be positive");
      }
      if (!isPositive(keepAliveTime)
          || !isPositive(keepAliveTimeout)
          || !isPositive(snapshotTimeoutPerChunk)) {
        throw new IllegalArgumentException("durations must be positive");
      }
      if (maxSnapshotBytes <= 0) {
        throw new IllegalArgumentException("maxSnapshotBytes must be positive");
      }
      if (maxSnapshotSends <= 0 || maxSnapshotReceives <= 0) {
        throw new IllegalArgumentException(
            "maxSnapshotSends and maxSnapshotReceives must be positive, not "
                + maxSnapshotSends
                + " and "
                + maxSnapshotReceives);
      }
      if (maxMessageBytes < maxBatchBytes || maxMessageBytes > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "maxMessageBytes must be at least maxBatchBytes and fit an int, not "
                + maxMessageBytes);
      }
      if (snapshotBytesPerSecond < 0
          || snapshotBytesPerSecond > SnapshotPacer.MAX_BYTES_PER_SECOND) {
        throw new IllegalArgumentException(
            "snapshotBytesPerSecond must be between 0 and "
                + SnapshotPacer.MAX_BYTES_PER_SECOND
                + ", not "
                + snapshotBytesPerSecond);
      }
    }

    /**
     * The given sizes, with the default keepalive, snapshot deadline, snapshot size limit, snapshot
     * sends at once and message limit.
     */
    public Options(int snapshotChunkBytes, long maxQueuedBytesPerPeer, long maxBatchBytes) {
      this(
          snapshotChunkBytes,
          maxQueuedBytesPerPeer,
          maxBatchBytes,
          DEFAULT_KEEPALIVE_TIME,
          DEFAULT_KEEPALIVE_TIMEOUT,
          DEFAULT_SNAPSHOT_TIMEOUT_PER_CHUNK,
          DEFAULT_MAX_SNAPSHOT_BYTES,
          DEFAULT_MAX_SNAPSHOT_SENDS,
          Math.max(maxBatchBytes, DEFAULT_MAX_MESSAGE_BYTES),
          DEFAULT_MAX_SNAPSHOT_RECEIVES,
          DEFAULT_SNAPSHOT_BYTES_PER_SECOND);
    }

    public Options withKeepAlive(Duration time, Duration timeout) {
      return edit(
          b -> {
            b.keepAliveTime = time;
            b.keepAliveTimeout = timeout;
          });
    }

    public Options withSnapshotTimeoutPerChunk(Duration perChunk) {
      return edit(b -> b.snapshotTimeoutPerChunk = perChunk);
    }

    public Options withMaxSnapshotBytes(long bytes) {
      return edit(b -> b.maxSnapshotBytes = bytes);
    }

    public Options withMaxSnapshotSends(int sends) {
      return edit(b -> b.maxSnapshotSends = sends);
    }

    public Options withMaxMessageBytes(long bytes) {
      return edit(b -> b.maxMessageBytes = bytes);
    }

    public Options withMaxSnapshotReceives(int receives) {
      return edit(b -> b.maxSnapshotReceives = receives);
    }

    public Options withSnapshotBytesPerSecond(long bytesPerSecond) {
      return edit(b -> b.snapshotBytesPerSecond = bytesPerSecond);
    }

    private Options edit(java.util.function.Consumer<Editable> change) {
      Editable b = new Editable(this);
      change.accept(b);
      return new Options(
          snapshotChunkBytes,
          maxQueuedBytesPerPeer,
          maxBatchBytes,
          b.keepAliveTime,
          b.keepAliveTimeout,
          b.snapshotTimeoutPerChunk,
          b.maxSnapshotBytes,
          b.maxSnapshotSends,
          b.maxMessageBytes,
          b.maxSnapshotReceives,
          b.snapshotBytesPerSecond);
    }

    /** The settings a {@code with} method may change, so that each names only what it changes. */
    private static final class Editable {
      Duration keepAliveTime;
      Duration keepAliveTimeout;
      Duration snapshotTimeoutPerChunk;
      long maxSnapshotBytes;
      int maxSnapshotSends;
      long maxMessageBytes;
      int maxSnapshotReceives;
      long snapshotBytesPerSecond;

      Editable(Options o) {
        keepAliveTime = o.keepAliveTime;
        keepAliveTimeout = o.keepAliveTimeout;
        snapshotTimeoutPerChunk = o.snapshotTimeoutPerChunk;
        maxSnapshotBytes = o.maxSnapshotBytes;
        maxSnapshotSends = o.maxSnapshotSends;
        maxMessageBytes = o.maxMessageBytes;
        maxSnapshotReceives = o.maxSnapshotReceives;
        snapshotBytesPerSecond = o.snapshotBytesPerSecond;
      }
    }

    private static boolean isPositive(Duration d) {
      return d != null && d.isPositive();
    }
  }

  private final long localNode;
  private final PeerAddresses addresses;
  private final Options options;
  private final Receiver receiver;
  private final Map<Long, Peer> peers = new ConcurrentHashMap<>();

  /** What peers replaced or forgotten had counted, so that the totals only ever grow. */
  private final AtomicLong retiredDropped = new AtomicLong();

  private final AtomicLong retiredOversized = new AtomicLong();
  private final AtomicLong retiredBroken = new AtomicLong();

  /** Sends so far, to look for nodes that left the address book every so often. */
  private final AtomicLong sendCalls = new AtomicLong();

  static final int SENDS_PER_DEPARTURE_CHECK = 1024;
  private volatile boolean closed;
  private final AtomicLong backoffsCut = new AtomicLong();

  /**
   * Snapshot calls under way and waiting their turn: closing stops them before the storage their
   * images read goes.
   */
  private final SnapshotSends snapshots;

  /** Snapshot streams this node is taking; shared by every {@link #service()} built. */
  private final SnapshotReceives receives;

  /** Paces snapshot data to {@link Options#snapshotBytesPerSecond}; null when unpaced. */
  private final SnapshotPacer pacer;

  private final ScheduledFuture<?> refills;

  /**
   * @param backoffCut whether the channel's backoff was cut short in its current spell of failure
   */
  private record Peer(
      ManagedChannel channel, PeerStream stream, String address, AtomicBoolean backoffCut) {}

  /** A transport whose options pace no snapshots. */
  public GrpcRaftTransport(
      long localNode, PeerAddresses addresses, Receiver receiver, Options options) {
    this(localNode, addresses, receiver, options, null);
  }

  /**
   * A transport that paces snapshots on {@code scheduler} when its options ask for a rate: it tops
   * the pacer's credit up every {@link #PACING_INTERVAL} there, and the sends that the credit lets
   * go read their next chunks from their images there, so it must be a thread that may wait on
   * storage (not the Raft hosts' ticker). The scheduler stays the caller's.
   */
  public GrpcRaftTransport(
      long localNode,
      PeerAddresses addresses,
      Receiver receiver,
      Options options,
      ScheduledExecutorService scheduler) {
    this.localNode = localNode;
    this.addresses = addresses;
    this.receiver = receiver;
    this.options = options;
    this.snapshots = new SnapshotSends(options.maxSnapshotSends());
    this.receives = new SnapshotReceives(options.maxSnapshotReceives());
    long rate = options.snapshotBytesPerSecond();
    if (rate == 0) {
      pacer = null;
      refills = null;
    } else {
      if (scheduler == null) {
        throw new IllegalArgumentException(
            "pacing snapshots to " + rate + " bytes per second needs a scheduler");
      }
      // A quiet spell lets a tenth of a second's worth go at once.
      pacer =
          new SnapshotPacer(
              rate, Duration.ofSeconds(1).dividedBy(PACING_INTERVAL), Math.max(1, rate / 10));
      long every = PACING_INTERVAL.toNanos();
      refills = scheduler.scheduleAtFixedRate(pacer::refill, every, every, TimeUnit.NANOSECONDS);
    }
  }

  /** How often the pacer's credit is topped up. */
  static final Duration PACING_INTERVAL = Duration.ofMillis(10);

  /** The gRPC service through which peers deliver to this node's receiver. */
  public BindableService service() {
    return new RaftTransportService(
        localNode, receiver, options.maxSnapshotBytes(), receives, this::heardFrom);
  }

  /**
   * A batch from {@code node} arrived: it is up and reaches us. If our channel to it is waiting out
   * a reconnect backoff (its connections failed while the node was down; gRPC's backoff grows
   * towards two minutes), it reconnects now, so that a node back from a restart hears from its
   * peers at once rather than when each one's backoff happens to run out.
   */
  private void heardFrom(long node) {
    Peer p = peers.get(node);
    if (p != null
        && p.channel().getState(false) == ConnectivityState.TRANSIENT_FAILURE
        && p.backoffCut().compareAndSet(false, true)) {
      // Once per spell of failure (the channel reports it until a connection is made): should this
      // attempt fail too, say a peer that reaches us but not we it, gRPC's backoff, started afresh,
      // paces the next ones instead of every batch from that peer.
      p.channel()
          .notifyWhenStateChanged(
              ConnectivityState.TRANSIENT_FAILURE, () -> p.backoffCut().set(false));
      p.channel().resetConnectBackoff();
      backoffsCut.incrementAndGet();
    }
  }

  /**
   * How many times a channel to a peer reconnected at once, without waiting out its backoff,
   * because that peer's messages were arriving.
   */
  public long backoffsCut() {
    return backoffsCut.get();
  }

  /**
   * Sets up the server that carries {@link #service()} to match this transport's keepalive: it lets
   * peers ping every {@code keepAliveTime} even while no call is open (by default a gRPC server
   * allows one ping per 5 minutes while it sends nothing, and answers more with GOAWAY
   * too_many_pings, which would break every Raft stream, since those carry nothing back). It also
   * turns on gRPC's server keepalive at the same times, so the server pings silent clients too.
   */
  public <T extends ServerBuilder<T>> T configureServer(T server) {
    return server
        .permitKeepAliveTime(options.keepAliveTime().toNanos() / 2, TimeUnit.NANOSECONDS)
        .permitKeepAliveWithoutCalls(true)
        .keepAliveTime(options.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTimeout(options.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
        .maxInboundMessageSize((int) options.maxMessageBytes());
  }

  @Override
  public void send(long toNode, List<Envelope> batch) {
    if (sendCalls.incrementAndGet() % SENDS_PER_DEPARTURE_CHECK == 0) {
      forgetDepartedNodes();
    }
    Peer peer = peer(toNode);
    if (peer == null || batch.isEmpty()) {
      return;
    }
    // Split so that no gRPC message exceeds the budget; a single message over the peer's inbound
    // limit is dropped by the stream, which would otherwise break, over and over.
    for (RaftMessageCodec.EncodedBatch b :
        RaftMessageCodec.encodeBatches(localNode, toNode, batch, options.maxBatchBytes())) {
      peer.stream().send(b);
    }
  }

  @Override
  public void sendSnapshot(long toNode, Envelope snapshotMessage, ImageSource image) {
    Peer peer = peer(toNode);
    if (peer == null) {
      image.close();
      receiver.snapshotStatus(snapshotMessage.groupId(), toNode, false);
      return;
    }
    SnapshotSender sender =
        new SnapshotSender(
            RaftTransportGrpc.newStub(peer.channel()),
            localNode,
            toNode,
            snapshotMessage,
            image,
            options.snapshotChunkBytes(),
            timeoutPerChunk(),
            receiver,
            snapshots,
            pacer);
    snapshots.submit(sender); // stopped at once if close() already went through them
  }

  /**
   * The time a snapshot call may take per chunk: {@link Options#snapshotTimeoutPerChunk}, plus,
   * when paced, the time a chunk takes at the rate while the most calls at once share it.
   */
  Duration timeoutPerChunk() {
    Duration t = options.snapshotTimeoutPerChunk();
    long rate = options.snapshotBytesPerSecond();
    if (rate == 0) {
      return t;
    }
    double seconds = (double) options.snapshotChunkBytes() * options.maxSnapshotSends() / rate;
    // A rate so low that this overflows has no deadline worth the name: the largest one will do.
    long paced = (long) Math.min(Math.ceil(seconds * 1e9), Long.MAX_VALUE - t.toNanos());
    return t.plusNanos(paced);
  }

  /** Snapshot streams this node is taking now ({@link Options#maxSnapshotReceives}). */
  public int snapshotsReceiving() {
    return receives.taking();
  }

  /** Snapshot chunks waiting for the pacer's credit now. */
  int snapshotChunksAwaitingCredit() {
    return pacer == null ? 0 : pacer.waiting();
  }

  /** Snapshot bytes sent through the pacer so far, or 0 when unpaced. */
  public long snapshotBytesPaced() {
    return pacer == null ? 0 : pacer.bytesTaken();
  }

  /** How many times a snapshot chunk waited for the pacer's credit so far. */
  public long snapshotPacingWaits() {
    return pacer == null ? 0 : pacer.waits();
  }

  /**
   * Snapshot calls running now, and those waiting their turn ({@link Options#maxSnapshotSends}).
   */
  public int snapshotsSending() {
    return snapshots.running();
  }

  public int snapshotsWaiting() {
    return snapshots.waiting();
  }

  /** Messages dropped so far because a peer was unreachable or could not keep up. */
  public long droppedMessages() {
    return retiredDropped.get()
        + peers.values().stream().mapToLong(p -> p.stream().dropped()).sum();
  }

  /**
   * Raft messages dropped so far because one alone was larger than {@link
   * Options#maxMessageBytes()} (also counted in {@link #droppedMessages()}).
   */
  public long oversizedMessages() {
    return retiredOversized.get()
        + peers.values().stream().mapToLong(p -> p.stream().oversized()).sum();
  }

  /**
   * Streams to peers that have failed so far (peer down or unreachable, or silent past the
   * keepalive timeout); each is replaced on the next send to that peer.
   */
  public long brokenStreams() {
    return retiredBroken.get() + peers.values().stream().mapToLong(p -> p.stream().broken()).sum();
  }

  private Peer peer(long node) {
    if (closed) {
      return null;
    }
    Peer p = peers.get(node);
    String address = addresses.addressOf(node);
    if (p != null && p.address().equals(address)) {
      return p;
    }
    if (address == null) {
      if (p != null) {
        forget(node, p); // left the address book: its channel would reconnect and ping for ever
      }
      return null;
    }
    synchronized (this) {
      if (closed) {
        return null; // close() won the race: a channel made now would never be shut down
      }
      p = peers.get(node);
      if (p != null && p.address().equals(address)) {
        return p;
      }
      if (p != null) {
        retire(p);
      }
      // Keepalive finds a peer that stopped answering (process frozen, path black-holed) long
      // before TCP would; the channel then fails its streams and reconnects. No gRPC retries:
      // Raft retransmits what it still needs, so a stream that fails is simply replaced, and
      // gRPC need not keep (up to 1 MiB of) every new stream's messages to replay them.
      ManagedChannel channel =
          NettyChannelBuilder.forTarget(address, InsecureChannelCredentials.create())
              .keepAliveTime(options.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
              .keepAliveTimeout(options.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
              .keepAliveWithoutCalls(true)
              .disableRetry()
              .build();
      p =
          new Peer(
              channel,
              new PeerStream(
                  node, channel, options.maxQueuedBytesPerPeer(), options.maxMessageBytes()),
              address,
              new AtomicBoolean());
      peers.put(node, p);
      return p;
    }
  }

  private synchronized void forget(long node, Peer p) {
    if (peers.remove(node, p)) {
      retire(p);
    }
  }

  /**
   * Forgets the peers that left the address book. A node that left the cluster is usually sent
   * nothing more (its groups moved away, so no host pings it), so a check at sends to it alone
   * would leave its channel reconnecting and pinging for ever.
   */
  private void forgetDepartedNodes() {
    for (Map.Entry<Long, Peer> e : peers.entrySet()) {
      if (addresses.addressOf(e.getKey()) == null) {
        forget(e.getKey(), e.getValue());
      }
    }
  }

  /** Shuts a replaced or forgotten peer down, keeping its counts in the transport's totals. */
  private void retire(Peer p) {
    retiredDropped.addAndGet(p.stream().dropped());
    retiredOversized.addAndGet(p.stream().oversized());
    retiredBroken.addAndGet(p.stream().broken());
    shutdown(p);
  }

  /** The nodes this transport holds a channel to (for status pages and tests). */
  public Set<Long> connectedNodes() {
    return Set.copyOf(peers.keySet());
  }

  private static void shutdown(Peer p) {
    p.stream().close();
    p.channel().shutdown();
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (refills != null) {
      refills.cancel(false);
    }
    snapshots.close();
    if (pacer != null) {
      pacer.close(); // chunks granted now find their senders stopped
    }
    for (Peer p : peers.values()) {
      shutdown(p);
    }
    for (Peer p : peers.values()) {
      try {
        if (!p.channel().awaitTermination(5, TimeUnit.SECONDS)) {
          p.channel().shutdownNow();
        }
      } catch (InterruptedException e) {
        p.channel().shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    peers.clear();
  }
}
