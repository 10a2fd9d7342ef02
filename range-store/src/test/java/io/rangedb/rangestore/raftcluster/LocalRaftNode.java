package io.rangedb.rangestore.raftcluster;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.ReadOnlyOption;
import io.rangedb.raft.host.RaftHost;
import io.rangedb.raft.host.RaftThreads;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.Transport;
import io.rangedb.rangestore.raftlog.RaftLogStore;
import io.rangedb.rangestore.raftnet.GrpcRaftTransport;
import io.rangedb.rangestore.raftnet.PeerAddresses;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One node of an in-process cluster, wired as a server process will be: a RocksDB store in its own
 * directory, the Raft logs of every group in it, a Raft host on one loop thread, and the gRPC Raft
 * transport on 127.0.0.1.
 */
final class LocalRaftNode implements AutoCloseable {
  final long id;
  final RecordingStateMachine stateMachine;
  final RaftHost host;
  final CountingTransport sent;

  /** Every group's Raft log in this node's store. */
  final RaftLogStore logs;

  /** {@link #logs} as the host sees it, its fsyncs timed. */
  final TimedLogStore timedLogs;

  private final StoreEngine engine;

  /** Keys of snapshot images received and not yet restored, in this node's store. */
  long heldImageKeys() {
    return StoredImages.heldKeys(engine);
  }

  private final GrpcRaftTransport transport;
  private final HostReceiver receiver;
  private final Server server;
  private final ExecutorService loop;
  private final ExecutorService syncer;
  private final ScheduledExecutorService ticker;
  private final ScheduledFuture<?> ticking;

  /** Where the transport paces snapshot sends, or null when it does not. */
  private final ScheduledExecutorService pacing;

  /** How many times this node's channel to a peer reconnected at once when the peer spoke. */
  long backoffsCut() {
    return transport.backoffsCut();
  }

  /** How many times a snapshot chunk this node sent waited for its pacer's credit. */
  long snapshotPacingWaits() {
    return transport.snapshotPacingWaits();
  }

  private LocalRaftNode(
      long id,
      StoreOptions store,
      int port,
      PeerAddresses addresses,
      long tickMillis,
      long seed,
      boolean rememberCommands,
      boolean storedState,
      RaftHost.Options hostOptions,
      GrpcRaftTransport.Options transportOptions)
      throws IOException {
    this.id = id;
    this.stateMachine = new RecordingStateMachine(rememberCommands);
    engine = StoreEngine.open(store);
    RaftHost.StateMachine machine =
        storedState ? new StoredRecordingStateMachine(stateMachine, engine) : stateMachine;
    logs = new RaftLogStore(engine);
    timedLogs = new TimedLogStore(logs);
    receiver = new HostReceiver();
    // Paced snapshot sends read their images on the pacing thread: not the ticker's.
    pacing =
        transportOptions.snapshotBytesPerSecond() > 0
            ? RaftThreads.newTicker("raft-snapshot-pacing-n" + id)
            : null;
    transport = new GrpcRaftTransport(id, addresses, receiver, transportOptions, pacing);
    loop = RaftThreads.newLoop("raft-loop-n" + id);
    syncer = RaftThreads.newSyncer("raft-sync-n" + id);
    host =
        new RaftHost(
            id,
            timedLogs,
            sent = new CountingTransport(transport),
            loop,
            syncer,
            new SplittableRandom(seed),
            machine,
            hostOptions);
    receiver.host = host;
    server =
        transport
            .configureServer(
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)))
            // The Raft service only decodes and enqueues: run it on the event loop, saving a
            // thread hand-off on every message.
            .directExecutor()
            .addService(transport.service())
            .build()
            .start();
    ticker = RaftThreads.newTicker("raft-tick-n" + id);
    ticking = RaftThreads.startTicking(host, ticker, tickMillis);
  }

  /**
   * Starts a node on the store {@code store} describes; with {@code bootstrap}, first creates every
   * group's log as a founder. With {@code storedState} the record of applied commands is kept in
   * the store ({@link StoredRecordingStateMachine}) instead of being rebuilt from the Raft log.
   * Every group serves reads as {@code reads} says (leases need {@code hostOptions} with a clock).
   */
  static LocalRaftNode start(
      long id,
      StoreOptions store,
      int port,
      PeerAddresses addresses,
      List<Long> groups,
      ConfState founders,
      boolean bootstrap,
      long tickMillis,
      long seed,
      boolean rememberCommands,
      boolean storedState,
      ReadOnlyOption reads,
      RaftHost.Options hostOptions,
      GrpcRaftTransport.Options transportOptions)
      throws Exception {
    if (bootstrap) {
      try (StoreEngine engine = StoreEngine.open(store)) {
        RaftLogStore logs = new RaftLogStore(engine);
        for (long g : groups) {
          logs.bootstrap(g, founders, null);
        }
      }
    }
    LocalRaftNode node =
        new LocalRaftNode(
            id,
            store,
            port,
            addresses,
            tickMillis,
            seed,
            rememberCommands,
            storedState,
            hostOptions,
            transportOptions);
    List<CompletableFuture<Void>> added = new ArrayList<>();
    for (long g : groups) {
      added.add(node.host.addGroup(g, RaftConfig.defaults(id).withReadOnlyOption(reads)));
    }
    CompletableFuture.allOf(added.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    return node;
  }

  /**
   * The groups whose logs the store in {@code dir} holds, ascending: what a restarting node
   * recovers. Empty for a directory that holds no store yet.
   */
  static List<Long> storedGroups(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (StoreEngine engine = StoreEngine.open(StoreOptions.onDisk(dir))) {
      return new RaftLogStore(engine).groups();
    }
  }

  /**
   * From now on drops every Raft message and snapshot that comes from {@code peers}, as a network
   * partition between them and this node would (the streams stay up); an empty set heals it.
   */
  void cutOff(Set<Long> peers) {
    receiver.cutOff = Set.copyOf(peers);
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() throws Exception {
    ticking.cancel(false);
    ticker.shutdownNow();
    server.shutdownNow();
    transport.close();
    if (pacing != null) {
      pacing.shutdownNow();
    }
    // Let the loop finish the cycle it is in (it may be mid-fsync), then stop it.
    loop.shutdown();
    if (!loop.awaitTermination(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("raft loop of node " + id + " did not stop");
    }
    syncer.shutdown(); // after the loop, which hands it work; before the engine it syncs
    if (!syncer.awaitTermination(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("raft syncer of node " + id + " did not stop");
    }
    server.awaitTermination(10, TimeUnit.SECONDS);
    ticker.awaitTermination(10, TimeUnit.SECONDS);
    if (pacing != null) {
      pacing.awaitTermination(10, TimeUnit.SECONDS);
    }
    engine.close();
  }

  /** The transport delivers to the host, which is built after the transport. */
  private static final class HostReceiver implements Transport.Receiver {
    volatile RaftHost host;
    volatile Set<Long> cutOff = Set.of();

    @Override
    public void receive(long fromNode, List<Envelope> batch) {
      RaftHost h = host;
      if (h != null && !cutOff.contains(fromNode)) {
        h.receive(fromNode, batch);
      }
    }

    @Override
    public void snapshotStatus(long groupId, long toNode, boolean delivered) {
      RaftHost h = host;
      if (h != null) {
        h.snapshotStatus(groupId, toNode, delivered);
      }
    }

    @Override
    public ImageSink snapshotSink(long fromNode, Envelope header) {
      RaftHost h = host;
      if (h == null) {
        throw new IllegalStateException("node not started yet");
      }
      if (cutOff.contains(fromNode)) {
        throw new IllegalStateException("node " + fromNode + " is cut off from this node");
      }
      return h.snapshotSink(fromNode, header);
    }
  }
}
