package io.rangedb.rangestore.raftnet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.transport.AssemblingSink;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.Transport;
import io.rangedb.wire.proto.RaftMessageBatch;
import io.rangedb.wire.proto.RaftTransportGrpc;
import io.rangedb.wire.proto.SnapshotResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GrpcRaftTransportTest {
  private static final GrpcRaftTransport.Options OPTIONS =
      new GrpcRaftTransport.Options(4096, 8 << 20, 64 << 10);

  /**
   * The shortest keepalive gRPC allows a client (it raises shorter times to 10 s), with a short
   * timeout: a silent peer is found out after about 11 s. Tests wait several times that.
   */
  private static final GrpcRaftTransport.Options SHORT_KEEPALIVE =
      OPTIONS.withKeepAlive(Duration.ofSeconds(10), Duration.ofSeconds(1));

  private static final long KEEPALIVE_BOUND_SECONDS = 90;

  private final Map<Long, String> addresses = new ConcurrentHashMap<>();
  private final List<Node> nodes = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  /** One node: a server on loopback, a transport, and what its receiver was handed. */
  private final class Node implements Transport.Receiver {
    final long id;
    final BlockingQueue<Envelope> received = new LinkedBlockingQueue<>();
    final BlockingQueue<String> snapshotStatus = new LinkedBlockingQueue<>();
    final GrpcRaftTransport transport;
    Server server;
    int port;

    /** Calls peers opened to this node's server, by gRPC method. */
    final Map<String, AtomicInteger> callsOpened = new ConcurrentHashMap<>();

    /** Messages those calls carried, by gRPC method. */
    final Map<String, AtomicInteger> messagesReceived = new ConcurrentHashMap<>();

    Node(long id) throws IOException {
      this(id, OPTIONS);
    }

    Node(long id, GrpcRaftTransport.Options options) throws IOException {
      this(id, options, false);
    }

    /**
     * With {@code limitFromOptions} the server takes messages up to the transport's {@link
     * GrpcRaftTransport.Options#maxMessageBytes()}, as {@code configureServer} sets it; otherwise
     * up to 1 MiB, so that tests see a receiver's limit with small messages.
     */
    Node(long id, GrpcRaftTransport.Options options, boolean limitFromOptions) throws IOException {
      this(id, options, limitFromOptions, null);
    }

    /** A node whose transport paces snapshots (if its options say so) on {@code scheduler}. */
    Node(long id, GrpcRaftTransport.Options options, ScheduledExecutorService scheduler)
        throws IOException {
      this(id, options, false, scheduler);
    }

    private Node(
        long id,
        GrpcRaftTransport.Options options,
        boolean limitFromOptions,
        ScheduledExecutorService scheduler)
        throws IOException {
      this.id = id;
      this.limitFromOptions = limitFromOptions;
      transport = new GrpcRaftTransport(id, addresses::get, this, options, scheduler);
      start();
      nodes.add(this);
    }

    private final boolean limitFromOptions;

    void start() throws IOException {
      // A restarted node comes back on the port it had, as a real node would.
      InetSocketAddress bind = new InetSocketAddress("127.0.0.1", port);
      NettyServerBuilder builder = transport.configureServer(NettyServerBuilder.forAddress(bind));
      if (!limitFromOptions) {
        builder.maxInboundMessageSize(1 << 20);
      }
      server =
          builder
              .addService(ServerInterceptors.intercept(transport.service(), countCalls()))
              .build()
              .start();
      port = server.getPort();
      addresses.put(id, "127.0.0.1:" + port);
    }

    private ServerInterceptor countCalls() {
      return new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
          String method = call.getMethodDescriptor().getFullMethodName();
          callsOpened.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
          AtomicInteger messages =
              messagesReceived.computeIfAbsent(method, m -> new AtomicInteger());
          return new ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(
              next.startCall(call, headers)) {
            @Override
            public void onMessage(Q message) {
              messages.incrementAndGet();
              super.onMessage(message);
            }
          };
        }
      };
    }

    void stop() throws InterruptedException {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Override
    public void receive(long fromNode, List<Envelope> batch) {
      assertEquals(batch.get(0).message().from(), fromNode, "sender node is the replica sending");
      received.addAll(batch);
    }

    @Override
    public void snapshotStatus(long groupId, long toNode, boolean delivered) {
      snapshotStatus.add(groupId + "->" + toNode + ":" + delivered);
    }

    /** Chunks written into this node's sinks, and sinks aborted. */
    final AtomicInteger chunksWritten = new AtomicInteger();

    final AtomicInteger sinksAborted = new AtomicInteger();

    final AtomicInteger sinksOpened = new AtomicInteger();

    /** Where received images go instead of memory, when a test sets it. */
    volatile ImageSink sink;

    @Override
    public ImageSink snapshotSink(long fromNode, Envelope header) {
      sinksOpened.incrementAndGet();
      ImageSink whole =
          sink != null
              ? sink
              : AssemblingSink.ofMessage(header, e -> receive(fromNode, List.of(e)));
      return new ImageSink() {
        @Override
        public void write(byte[] chunk) {
          chunksWritten.incrementAndGet();
          whole.write(chunk);
        }

        @Override
        public void finish() {
          whole.finish();
        }

        @Override
        public void abort() {
          sinksAborted.incrementAndGet();
          whole.abort();
        }
      };
    }
  }

  /** A plain channel to a node's server, for tests that speak the protocol by hand. */
  private io.grpc.ManagedChannel rawChannelTo(long node) {
    return io.grpc.Grpc.newChannelBuilder(
            addresses.get(node), io.grpc.InsecureChannelCredentials.create())
        .build();
  }

  /** Sends a snapshot message whose image is its data, as a host keeping images in its log. */
  private static void sendSnapshot(Node from, long to, Envelope snapshot) {
    from.transport.sendSnapshot(to, snapshot, ImageSource.of(snapshot.message().snapshot().data()));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Node n : nodes) {
      n.transport.close();
      n.stop();
    }
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private static Envelope append(long group, long from, long to, long term, int entries) {
    List<Entry> ents = new ArrayList<>();
    for (int i = 1; i <= entries; i++) {
      ents.add(Entry.normal(term, 10 + i, ("cmd-" + group + "-" + i).getBytes(UTF_8)));
    }
    return new Envelope(
        group,
        Message.builder(MessageType.APP)
            .from(from)
            .to(to)
            .term(term)
            .logTerm(term - 1)
            .index(10)
            .commit(9)
            .entries(ents)
            .context("ctx".getBytes(UTF_8))
            .build());
  }

  private static void assertSameMessage(Envelope expected, Envelope actual) {
    assertNotNull(actual, "message not delivered");
    assertEquals(RaftMessageCodec.toProto(expected), RaftMessageCodec.toProto(actual));
    assertEquals(expected.message().entries(), actual.message().entries());
  }

  @Test
  void batchesOfManyGroupsArriveIntactOverOneStream() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    List<Envelope> sent = new ArrayList<>();
    for (long g = 1; g <= 200; g++) {
      sent.add(append(g, 1, 2, 5, (int) (g % 4)));
    }
    for (int from = 0; from < 200; from += 20) {
      a.transport.send(2, sent.subList(from, from + 20));
    }
    for (Envelope e : sent) {
      assertSameMessage(e, b.received.poll(10, TimeUnit.SECONDS));
    }
    // Ten sends, every group's messages: one call from 1 to 2, kept open.
    assertEquals(Map.of(RaftStreamMethod.STREAM.getFullMethodName(), 1), counts(b));
    Envelope back =
        new Envelope(
            7,
            Message.builder(MessageType.APP_RESP)
                .from(2)
                .to(1)
                .term(5)
                .index(12)
                .reject(true)
                .rejectHint(11)
                .logTerm(4)
                .build());
    b.transport.send(1, List.of(back));
    assertSameMessage(back, a.received.poll(10, TimeUnit.SECONDS));
    assertEquals(Map.of(RaftStreamMethod.STREAM.getFullMethodName(), 1), counts(a));
  }

  private static Map<String, Integer> counts(Node n) {
    Map<String, Integer> out = new java.util.TreeMap<>();
    n.callsOpened.forEach((method, count) -> out.put(method, count.get()));
    return out;
  }

  /** An append of group {@code group} from node 1 to node 2 carrying one entry of {@code bytes}. */
  private static Envelope appendOfOneEntry(long group, int bytes) {
    byte[] data = new byte[bytes];
    new Random(group).nextBytes(data);
    return new Envelope(
        group,
        append(group, 1, 2, 3, 1).message().toBuilder()
            .entries(List.of(new Entry(3, 11, io.rangedb.raft.EntryType.NORMAL, data)))
            .build());
  }

  @Test
  void aMessageOverThePerMessageLimitIsDroppedAndTheStreamCarriesTheRest() throws Exception {
    Node a = new Node(1, OPTIONS.withMaxMessageBytes(512 << 10));
    Node b = new Node(2);
    Envelope huge = appendOfOneEntry(1, 1_500_000); // over the receiver's 1 MiB too
    Envelope small = appendOfOneEntry(2, 1_000);
    a.transport.send(2, List.of(huge, small));
    assertSameMessage(small, b.received.poll(10, TimeUnit.SECONDS));
    for (int i = 0; i < 3; i++) {
      a.transport.send(2, List.of(huge)); // Raft retransmits it; the stream stays whole
    }
    Envelope later = appendOfOneEntry(3, 1_000);
    a.transport.send(2, List.of(later));
    assertSameMessage(later, b.received.poll(10, TimeUnit.SECONDS));
    assertNull(b.received.poll(300, TimeUnit.MILLISECONDS), "the oversized append never came");
    assertEquals(4, a.transport.oversizedMessages());
    assertEquals(4, a.transport.droppedMessages());
    assertEquals(0, a.transport.brokenStreams());
    String method = RaftStreamMethod.STREAM.getFullMethodName();
    assertEquals(1, b.callsOpened.get(method).get(), "one stream carried everything");
  }

  @Test
  void aServerBuiltThroughTheTransportTakesMessagesUpToItsLimit() throws Exception {
    GrpcRaftTransport.Options eightMiB = OPTIONS.withMaxMessageBytes(8 << 20);
    Node a = new Node(1, eightMiB, true);
    Node b = new Node(2, eightMiB, true);
    Envelope big = appendOfOneEntry(1, 6 << 20); // over gRPC's default inbound limit of 4 MiB
    a.transport.send(2, List.of(big));
    assertSameMessage(big, b.received.poll(10, TimeUnit.SECONDS));
    assertEquals(0, a.transport.droppedMessages());
    assertEquals(0, a.transport.brokenStreams());
  }

  @Test
  void aBatchLargerThanTheReceiversMessageLimitArrivesInPieces() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    // 40 appends of ~40 KiB: 1.6 MiB for one peer in one cycle, over the 64 KiB batch budget
    // these nodes use; unsplit, the receiver's limit would refuse it and break the stream.
    List<Envelope> big = new ArrayList<>();
    for (long g = 1; g <= 40; g++) {
      Envelope e = append(g, 1, 2, 3, 1);
      Message m = e.message();
      byte[] data = new byte[40_000];
      new Random(g).nextBytes(data);
      big.add(
          new Envelope(
              g,
              m.toBuilder()
                  .entries(List.of(new Entry(3, 11, io.rangedb.raft.EntryType.NORMAL, data)))
                  .build()));
    }
    a.transport.send(2, big);
    for (Envelope e : big) {
      assertSameMessage(e, b.received.poll(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void snapshotsStreamInChunksAndTheSenderLearnsTheOutcome() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    byte[] image = new byte[100_000];
    new Random(42).nextBytes(image);
    ConfState conf =
        new ConfState(
            java.util.Set.of(1L, 2L),
            java.util.Set.of(),
            java.util.Set.of(3L),
            java.util.Set.of(),
            false);
    Envelope snap =
        new Envelope(
            9,
            Message.builder(MessageType.SNAP)
                .from(1)
                .to(2)
                .term(3)
                .snapshot(new Snapshot(500, 3, conf, image))
                .build());
    sendSnapshot(a, 2, snap);
    Envelope got = b.received.poll(10, TimeUnit.SECONDS);
    assertNotNull(got);
    assertEquals(9, got.groupId());
    assertEquals(new Snapshot(500, 3, conf, image), got.message().snapshot());
    assertArrayEquals(image, got.message().snapshot().data());
    assertEquals("9->2:true", a.snapshotStatus.poll(10, TimeUnit.SECONDS));
    String method = RaftTransportGrpc.getSnapshotMethod().getFullMethodName();
    assertEquals(1, b.callsOpened.get(method).get(), "one call per snapshot");
    assertEquals(
        (image.length + OPTIONS.snapshotChunkBytes() - 1) / OPTIONS.snapshotChunkBytes(),
        b.messagesReceived.get(method).get(),
        "chunks of at most snapshotChunkBytes");
    assertEquals(
        b.messagesReceived.get(method).get(),
        b.chunksWritten.get(),
        "each chunk went into the receiver's sink as it arrived");
    assertEquals(0, b.sinksAborted.get());
  }

  /** An image that fails after {@code goodReads} reads, and says whether it was closed. */
  private static final class FailingImage implements ImageSource {
    private final ImageSource inner;
    private final java.util.function.BooleanSupplier failNow;
    final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

    /** An image of 100,000 bytes that never fails. */
    FailingImage() {
      this(100_000, () -> false);
    }

    /** An image of {@code size} bytes whose reads fail once {@code failNow} says so. */
    FailingImage(int size, java.util.function.BooleanSupplier failNow) {
      this.inner = ImageSource.of(new byte[size]);
      this.failNow = failNow;
    }

    @Override
    public long sizeBytes() {
      return inner.sizeBytes();
    }

    @Override
    public byte[] read(int maxBytes) {
      if (failNow.getAsBoolean()) {
        throw new IllegalStateException("the disk under the image failed");
      }
      return inner.read(maxBytes);
    }

    @Override
    public void close() {
      closed.countDown();
    }
  }

  @Test
  void aLargeImageIsReadOnlyAsFastAsTheReceiverTakesIt() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2, OPTIONS.withMaxSnapshotBytes(1L << 30));
    long size = 64L << 20;
    AtomicLong read = new AtomicLong();
    AtomicLong written = new AtomicLong();
    AtomicLong mostAhead = new AtomicLong();
    CRC32 sent = new CRC32();
    CRC32 got = new CRC32();
    CountDownLatch finished = new CountDownLatch(1);
    // Generated as it is read and digested as it arrives: the image is never whole anywhere.
    ImageSource image =
        new ImageSource() {
          private final Random bytes = new Random(7);

          @Override
          public long sizeBytes() {
            return size;
          }

          @Override
          public byte[] read(int maxBytes) {
            byte[] chunk = new byte[(int) Math.min(maxBytes, size - read.get())];
            bytes.nextBytes(chunk);
            sent.update(chunk);
            long ahead = read.addAndGet(chunk.length) - written.get();
            mostAhead.accumulateAndGet(ahead, Math::max);
            return chunk;
          }

          @Override
          public void close() {}
        };
    b.sink =
        new ImageSink() {
          @Override
          public void write(byte[] chunk) {
            got.update(chunk);
            written.addAndGet(chunk.length);
          }

          @Override
          public void finish() {
            finished.countDown();
          }

          @Override
          public void abort() {}
        };
    a.transport.sendSnapshot(2, snapshot(3, 1, 2, 0), image);
    assertEquals("3->2:true", a.snapshotStatus.poll(120, TimeUnit.SECONDS));
    assertTrue(finished.await(10, TimeUnit.SECONDS));
    assertEquals(size, written.get());
    assertEquals(sent.getValue(), got.getValue(), "the image arrived intact");
    // gRPC's flow control bounds what is in flight (a window of about a megabyte per stream);
    // a sender that read the image whole first would be 64 MiB ahead.
    assertTrue(
        mostAhead.get() < (8L << 20),
        "the sender read at most " + mostAhead.get() + " bytes ahead of the receiver");
  }

  @Test
  void aSnapshotToAPeerWithoutAnAddressFailsAndClosesItsImage() throws Exception {
    Node a = new Node(1);
    FailingImage image = new FailingImage();
    a.transport.sendSnapshot(9, snapshot(5, 1, 9, 0), image);
    assertEquals("5->9:false", a.snapshotStatus.poll(10, TimeUnit.SECONDS));
    assertTrue(image.closed.await(10, TimeUnit.SECONDS), "the image was closed");
  }

  @Test
  void closingTheTransportClosesTheImagesOfSnapshotsUnderWay() throws Exception {
    Node a = new Node(1);
    BlackHole hole = new BlackHole(); // accepts connections, never answers: the call hangs
    closeables.add(hole);
    addresses.put(2L, "127.0.0.1:" + hole.port());
    FailingImage image = new FailingImage();
    a.transport.sendSnapshot(2, snapshot(5, 1, 2, 0), image);
    assertEquals(1, image.closed.getCount(), "under way");
    a.transport.close();
    assertEquals(0, image.closed.getCount(), "closed before close() returned");
    // Stopped by the transport, not failed by gRPC's later cancellation, which would report it.
    assertNull(a.snapshotStatus.poll(500, TimeUnit.MILLISECONDS), "nothing reported");
  }

  /** Waits up to 10 s for {@code condition}; false if it never held. */
  private static boolean eventually(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  @Test
  void snapshotsBeyondTheLimitWaitTheirTurnAndEveryOneArrives() throws Exception {
    Node a = new Node(1, OPTIONS.withMaxSnapshotSends(2));
    Node b = new Node(2);
    java.util.concurrent.Semaphore gate = new java.util.concurrent.Semaphore(0);
    AtomicInteger open = new AtomicInteger();
    AtomicInteger mostOpen = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    AtomicLong bytes = new AtomicLong();
    // Every stream's last chunk waits at the gate, so the streams the sender runs stay open.
    b.sink =
        new ImageSink() {
          @Override
          public void write(byte[] chunk) {
            bytes.addAndGet(chunk.length);
          }

          @Override
          public void finish() {
            mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            gate.acquireUninterruptibly();
            open.decrementAndGet();
            finished.incrementAndGet();
          }

          @Override
          public void abort() {}
        };
    for (long group = 1; group <= 5; group++) {
      sendSnapshot(a, 2, snapshot(group, 1, 2, 10_000));
    }
    assertTrue(eventually(() -> open.get() == 2), "two streams reached the receiver");
    Thread.sleep(300); // room for a third, were the limit not kept
    assertEquals(2, b.sinksOpened.get(), "no third stream began");
    assertEquals(2, a.transport.snapshotsSending());
    assertEquals(3, a.transport.snapshotsWaiting());
    gate.release(5);
    List<String> outcomes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      outcomes.add(a.snapshotStatus.poll(10, TimeUnit.SECONDS));
    }
    outcomes.sort(null);
    assertEquals(
        List.of("1->2:true", "2->2:true", "3->2:true", "4->2:true", "5->2:true"), outcomes);
    assertEquals(5, finished.get());
    assertEquals(50_000, bytes.get(), "every image arrived whole");
    assertEquals(2, mostOpen.get(), "never more than two at once");
    assertEquals(0, a.transport.snapshotsSending() + a.transport.snapshotsWaiting());
  }

  /** A receiver for transports that are never sent to. */
  private static final class NoReceiver implements Transport.Receiver {
    @Override
    public void receive(long fromNode, List<Envelope> batch) {
      throw new AssertionError("nothing is sent to it");
    }

    @Override
    public void snapshotStatus(long groupId, long toNode, boolean delivered) {
      throw new AssertionError("it sends no snapshot");
    }

    @Override
    public ImageSink snapshotSink(long fromNode, Envelope header) {
      throw new AssertionError("nothing is sent to it");
    }
  }

  private ScheduledExecutorService pacingScheduler() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    closeables.add(scheduler::shutdownNow);
    return scheduler;
  }

  /** A scheduler whose periodic task (the pacer's refill) runs only when the test says so. */
  private static final class ManualRefills extends ScheduledThreadPoolExecutor {
    private volatile Runnable refill;

    ManualRefills() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(
        Runnable task, long initialDelay, long period, TimeUnit unit) {
      refill = task;
      return schedule(() -> {}, 1, TimeUnit.DAYS); // cancellable, never due in a test
    }

    void refill() {
      refill.run();
    }
  }

  @Test
  void pacedSnapshotsTakeTheRefillsTheirBytesNeedAndArriveWhole() throws Exception {
    ManualRefills refills = new ManualRefills();
    closeables.add(refills::shutdownNow);
    long rate = 4 << 20; // a burst of 0.4 MiB, then 1/100 of the rate per refill
    Node a = new Node(1, OPTIONS.withSnapshotBytesPerSecond(rate), refills);
    Node b = new Node(2);
    Envelope withImage = snapshot(7, 1, 2, 2 << 20);
    byte[] image = withImage.message().snapshot().data();
    sendSnapshot(a, 2, withImage);
    // Refill only while a chunk waits for credit, as time would: each refill is one 10 ms the
    // image needed.
    int ran = 0;
    String status;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while ((status = a.snapshotStatus.poll()) == null && System.nanoTime() < end) {
      if (a.transport.snapshotChunksAwaitingCredit() > 0) {
        refills.refill();
        ran++;
      } else {
        Thread.sleep(1); // the chunk in flight, or the receiver's answer
      }
    }
    assertEquals("7->2:true", status);
    Envelope got = b.received.poll(10, TimeUnit.SECONDS);
    assertNotNull(got);
    assertArrayEquals(image, got.message().snapshot().data(), "the image arrived intact");
    double needed = (image.length - rate / 10.0) / (rate / 100.0);
    assertTrue(
        Math.abs(ran - needed) <= 2,
        ran + " refills for " + image.length + " bytes at " + rate + "/s, about " + needed);
    assertEquals(image.length, a.transport.snapshotBytesPaced(), "every byte went through pacing");
    assertEquals(0, b.sinksAborted.get());
  }

  @Test
  void closingTheTransportStopsASnapshotWaitingForCredit() throws Exception {
    // One byte a second: the first chunk goes on the burst, the second would wait over an hour.
    Node a = new Node(1, OPTIONS.withSnapshotBytesPerSecond(1), pacingScheduler());
    Node b = new Node(2);
    FailingImage image = new FailingImage();
    a.transport.sendSnapshot(2, snapshot(4, 1, 2, 0), image);
    assertTrue(
        eventually(
            () -> b.chunksWritten.get() == 1 && a.transport.snapshotChunksAwaitingCredit() == 1),
        "one chunk sent, the next waiting for credit");
    assertEquals(1, image.closed.getCount(), "still under way");
    a.transport.close();
    assertEquals(0, image.closed.getCount(), "closed before close() returned");
    assertNull(a.snapshotStatus.poll(500, TimeUnit.MILLISECONDS), "nothing reported");
    assertTrue(eventually(() -> b.sinksAborted.get() == 1), "the receiver dropped what it got");
    assertEquals(1, b.chunksWritten.get(), "the waiting chunk was not sent at close");
  }

  @Test
  void pacingWithoutASchedulerIsRefusedAndAPacedDeadlineAllowsForTheRate() {
    GrpcRaftTransport.Options paced = OPTIONS.withSnapshotBytesPerSecond(1 << 20);
    assertThrows(
        IllegalArgumentException.class,
        () -> new GrpcRaftTransport(1, addresses::get, new NoReceiver(), paced));
    assertThrows(IllegalArgumentException.class, () -> OPTIONS.withSnapshotBytesPerSecond(-1));
    try (GrpcRaftTransport t =
        new GrpcRaftTransport(1, addresses::get, new NoReceiver(), paced, pacingScheduler())) {
      // 4 calls at once share 1 MiB/s: a 4 KiB chunk may take 4 × 4 KiB / 1 MiB/s = 15.625 ms.
      assertEquals(OPTIONS.snapshotTimeoutPerChunk().plusNanos(15_625_000), t.timeoutPerChunk());
    }
    try (GrpcRaftTransport t =
        new GrpcRaftTransport(1, addresses::get, new NoReceiver(), OPTIONS)) {
      assertEquals(OPTIONS.snapshotTimeoutPerChunk(), t.timeoutPerChunk());
    }
  }

  @Test
  void aNodeTakingAsManySnapshotsAsItMayRefusesTheNextUntilOneEnds() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2, OPTIONS.withMaxSnapshotReceives(1));
    java.util.concurrent.Semaphore gate = new java.util.concurrent.Semaphore(0);
    AtomicInteger finishing = new AtomicInteger();
    // Each stream's last chunk waits at the gate: the stream is still being taken.
    b.sink =
        new ImageSink() {
          @Override
          public void write(byte[] chunk) {}

          @Override
          public void finish() {
            finishing.incrementAndGet();
            gate.acquireUninterruptibly();
          }

          @Override
          public void abort() {}
        };
    sendSnapshot(a, 2, snapshot(1, 1, 2, 10_000));
    assertTrue(eventually(() -> finishing.get() == 1), "the first snapshot is being taken");
    sendSnapshot(a, 2, snapshot(2, 1, 2, 10_000));
    assertEquals("2->2:false", a.snapshotStatus.poll(10, TimeUnit.SECONDS), "the second refused");
    assertEquals(1, b.sinksOpened.get(), "before anything of it was written");
    assertEquals(1, b.transport.snapshotsReceiving());

    gate.release();
    assertEquals("1->2:true", a.snapshotStatus.poll(10, TimeUnit.SECONDS));
    assertTrue(eventually(() -> b.transport.snapshotsReceiving() == 0));
    gate.release();
    sendSnapshot(a, 2, snapshot(2, 1, 2, 10_000));
    assertEquals(
        "2->2:true", a.snapshotStatus.poll(10, TimeUnit.SECONDS), "taken once the first ended");
  }

  @Test
  void closingTheTransportClosesTheImagesOfSnapshotsWaitingTheirTurn() throws Exception {
    Node a = new Node(1, OPTIONS.withMaxSnapshotSends(1));
    BlackHole hole = new BlackHole(); // accepts connections, never answers: the call hangs
    closeables.add(hole);
    addresses.put(2L, "127.0.0.1:" + hole.port());
    List<FailingImage> images = new ArrayList<>();
    for (long group = 1; group <= 3; group++) {
      FailingImage image = new FailingImage();
      images.add(image);
      a.transport.sendSnapshot(2, snapshot(group, 1, 2, 0), image);
    }
    assertEquals(1, a.transport.snapshotsSending());
    assertEquals(2, a.transport.snapshotsWaiting());
    for (FailingImage image : images) {
      assertEquals(1, image.closed.getCount(), "running or waiting, not closed");
    }
    a.transport.close();
    for (FailingImage image : images) {
      assertEquals(0, image.closed.getCount(), "closed before close() returned");
    }
    assertNull(a.snapshotStatus.poll(500, TimeUnit.MILLISECONDS), "nothing reported");
    assertEquals(0, a.transport.snapshotsSending() + a.transport.snapshotsWaiting());
  }

  @Test
  void aReceiverWhoseSinkFailsRefusesTheStreamAndDropsWhatItGot() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    b.sink =
        new ImageSink() {
          @Override
          public void write(byte[] chunk) {
            throw new IllegalStateException("the disk under the received image failed");
          }

          @Override
          public void finish() {}

          @Override
          public void abort() {}
        };
    sendSnapshot(a, 2, snapshot(5, 1, 2, 10_000));
    assertEquals("5->2:false", a.snapshotStatus.poll(30, TimeUnit.SECONDS));
    assertEquals(1, b.sinksAborted.get(), "the sink was aborted");
    assertNull(b.received.poll(200, TimeUnit.MILLISECONDS), "nothing was delivered");
  }

  /**
   * Opens a snapshot call by hand and sends its first chunk (group 5's snapshot from node 1 to node
   * 2, 100 bytes of it); the receiver's answer completes {@code answer}.
   */
  private static StreamObserver<io.rangedb.wire.proto.SnapshotChunk> openSnapshotCall(
      io.grpc.ManagedChannel channel,
      java.util.concurrent.CompletableFuture<SnapshotResponse> answer) {
    StreamObserver<io.rangedb.wire.proto.SnapshotChunk> requests =
        RaftTransportGrpc.newStub(channel)
            .snapshot(
                new StreamObserver<SnapshotResponse>() {
                  @Override
                  public void onNext(SnapshotResponse r) {
                    answer.complete(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(
        io.rangedb.wire.proto.SnapshotChunk.newBuilder()
            .setHeader(RaftMessageCodec.toProto(snapshot(5, 1, 2, 0)))
            .setFromNode(1)
            .setData(com.google.protobuf.ByteString.copyFrom(new byte[100]))
            .build());
    return requests;
  }

  @Test
  void aStreamThatEndsBeforeItsLastChunkIsRefusedAndDropped() throws Exception {
    Node b = new Node(2);
    var channel = rawChannelTo(2);
    try {
      var answer = new java.util.concurrent.CompletableFuture<SnapshotResponse>();
      var requests = openSnapshotCall(channel, answer);
      requests.onCompleted(); // no last chunk
      SnapshotResponse r = answer.get(30, TimeUnit.SECONDS);
      assertFalse(r.getAccepted());
      assertEquals(1, b.chunksWritten.get(), "its first chunk had gone into the sink");
      assertEquals(1, b.sinksAborted.get(), "and was dropped");
      assertTrue(
          eventually(() -> b.transport.snapshotsReceiving() == 0), "the stream left its place");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertNull(b.received.poll(200, TimeUnit.MILLISECONDS), "nothing was delivered");
  }

  @Test
  void anImageThatCannotBeReadFailsTheStreamAndTheReceiverDropsWhatItGot() throws Exception {
    Node a = new Node(1);
    // One snapshot at a time: the next one below gets in only if the failed stream left.
    Node b = new Node(2, OPTIONS.withMaxSnapshotReceives(1));
    // Larger than gRPC's flow-control window, failing once the receiver has written a chunk: the
    // sender is then held back by the window, with the receiver's sink open.
    FailingImage image = new FailingImage(64 << 20, () -> b.chunksWritten.get() > 0);
    a.transport.sendSnapshot(2, snapshot(5, 1, 2, 0), image);
    assertEquals("5->2:false", a.snapshotStatus.poll(30, TimeUnit.SECONDS));
    assertTrue(image.closed.await(10, TimeUnit.SECONDS), "the image was closed");
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (b.sinksAborted.get() == 0 && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertEquals(1, b.sinksOpened.get());
    assertEquals(1, b.sinksAborted.get(), "the receiver dropped what it got");
    assertNull(b.received.poll(200, TimeUnit.MILLISECONDS), "nothing was delivered");
    assertTrue(
        eventually(() -> b.transport.snapshotsReceiving() == 0),
        "the broken stream left its place");

    // The same peer takes the next snapshot whole, and that image is closed too.
    FailingImage good = new FailingImage();
    a.transport.sendSnapshot(2, snapshot(6, 1, 2, 0), good);
    assertEquals("6->2:true", a.snapshotStatus.poll(30, TimeUnit.SECONDS));
    assertEquals(100_000, b.received.poll(10, TimeUnit.SECONDS).message().snapshot().data().length);
    assertTrue(good.closed.await(10, TimeUnit.SECONDS));
  }

  @Test
  void anUnreachablePeerCostsTheSenderNothingAndCatchesUpWhenBack() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    b.stop();
    for (int i = 0; i < 50; i++) {
      a.transport.send(2, List.of(append(1, 1, 2, 2, 1))); // must not block or throw
    }
    sendSnapshot(
        a,
        2,
        new Envelope(
            4,
            Message.builder(MessageType.SNAP)
                .from(1)
                .to(2)
                .term(2)
                .snapshot(new Snapshot(5, 2, ConfState.ofVoters(1L, 2L), new byte[10]))
                .build()));
    assertEquals("4->2:false", a.snapshotStatus.poll(10, TimeUnit.SECONDS));
    b.start();
    Envelope later = append(3, 1, 2, 9, 2);
    // The broken stream is replaced on a later send; keep sending as a Raft leader would.
    assertSameMessage(
        later, sendUntilReceived(a, b, later, System.nanoTime() + TimeUnit.SECONDS.toNanos(10)));
  }

  /**
   * A peer back from being down speaks first: our channel to it, which is waiting out gRPC's
   * reconnect backoff (about 1 s after the first failed attempt, then 1.6 times longer after each,
   * up to two minutes), reconnects at once, so the peer hears from us as soon as we hear from it.
   * Here a stand-in on the peer's port drops four connection attempts, so that gRPC's next one is
   * at least 3.2 s after the fourth (4.1 s, less a fifth of jitter); our send must arrive before.
   */
  @Test
  void aPeerBackFromBeingDownIsReconnectedToAsSoonAsItSpeaks() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    b.stop();
    long fourthAttempt;
    try (ConnectionDropper standIn = new ConnectionDropper(b.port)) {
      // a keeps sending, as a Raft leader does, and its channel keeps trying to connect.
      standIn.awaitAttempts(4, () -> a.transport.send(2, List.of(append(1, 1, 2, 2, 1))));
      fourthAttempt = standIn.lastAttemptNanos();
    }
    assertEquals(0, a.transport.backoffsCut());

    b.start();
    b.transport.send(1, List.of(append(5, 2, 1, 3, 1)));
    assertEquals(5, a.received.poll(10, TimeUnit.SECONDS).groupId(), "b reaches a at once");
    assertEquals(1, a.transport.backoffsCut(), "a's channel to b stopped waiting");
    Envelope later = append(3, 1, 2, 9, 2);
    assertSameMessage(
        later,
        sendUntilReceived(a, b, later, fourthAttempt + TimeUnit.MILLISECONDS.toNanos(3_200)));
  }

  /**
   * A peer that reaches us while we cannot reach it (its address leads to something that drops
   * every connection, as a one-way partition would) cuts our channel's backoff once, not at each of
   * its batches: our attempts to connect stay paced by gRPC's backoff.
   */
  @Test
  void aPeerWeCannotReachDoesNotMakeUsReconnectAtEachOfItsBatches() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    b.stop();
    try (ConnectionDropper standIn = new ConnectionDropper(b.port)) {
      a.transport.send(2, List.of(append(1, 1, 2, 2, 1)));
      standIn.awaitAttempts(1, () -> {});
      for (int i = 0; i < 50; i++) {
        b.transport.send(1, List.of(append(5, 2, 1, 3, 1))); // b's own channel to a works
        Thread.sleep(10);
      }
      for (int i = 0; i < 50; i++) {
        assertEquals(5, a.received.poll(10, TimeUnit.SECONDS).groupId(), "batch " + i);
      }
      assertEquals(1, a.transport.backoffsCut());
      assertTrue(
          standIn.attempts() <= 4,
          "a tried to connect " + standIn.attempts() + " times while 50 batches came from b");
    }
  }

  /**
   * Sends {@code e} from {@code from} to {@code to} again and again, as a Raft leader keeps doing,
   * until {@code to} has received an envelope of its group or {@code deadlineNanos} has passed;
   * returns that envelope, or null.
   */
  private static Envelope sendUntilReceived(Node from, Node to, Envelope e, long deadlineNanos)
      throws InterruptedException {
    while (System.nanoTime() - deadlineNanos < 0) {
      from.transport.send(to.id, List.of(e));
      for (Envelope got = to.received.poll(20, TimeUnit.MILLISECONDS);
          got != null;
          got = to.received.poll()) {
        if (got.groupId() == e.groupId()) {
          return got;
        }
      }
    }
    return null;
  }

  /** A listener on a port that takes every connection and drops it at once, counting them. */
  private static final class ConnectionDropper implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread dropper;
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicLong lastAttempt = new AtomicLong();

    ConnectionDropper(int port) throws IOException {
      socket = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
      dropper =
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (true) {
                      try (Socket attempt = socket.accept()) {
                        lastAttempt.set(System.nanoTime());
                        attempts.incrementAndGet();
                      } catch (IOException closed) {
                        return;
                      }
                    }
                  });
    }

    int attempts() {
      return attempts.get();
    }

    /** Waits up to 30 s for {@code n} connection attempts, running {@code meanwhile} every 5 ms. */
    void awaitAttempts(int n, Runnable meanwhile) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (attempts() < n) {
        assertTrue(System.nanoTime() < deadline, "connection attempts so far: " + attempts());
        meanwhile.run();
        Thread.sleep(5);
      }
    }

    long lastAttemptNanos() {
      return lastAttempt.get();
    }

    @Override
    public void close() throws IOException, InterruptedException {
      socket.close();
      dropper.join();
    }
  }

  @Test
  void bytesThatAreNotABatchAreRefusedWithInvalidArgument() throws Exception {
    Node b = new Node(2);
    var channel = rawChannelTo(2);
    try {
      var outcome = new java.util.concurrent.CompletableFuture<Throwable>();
      var requests =
          io.grpc.stub.ClientCalls.asyncBidiStreamingCall(
              channel.newCall(RaftStreamMethod.STREAM, io.grpc.CallOptions.DEFAULT),
              new io.grpc.stub.StreamObserver<io.rangedb.wire.proto.RaftBatchAck>() {
                @Override
                public void onNext(io.rangedb.wire.proto.RaftBatchAck v) {}

                @Override
                public void onError(Throwable t) {
                  outcome.complete(t);
                }

                @Override
                public void onCompleted() {
                  outcome.complete(null);
                }
              });
      // A length that runs past the end of the message.
      requests.onNext(new byte[] {0x1a, 0x7f, 0x08, 0x01});
      Throwable t = outcome.get(10, TimeUnit.SECONDS);
      assertNotNull(t, "the stream must fail, not end quietly");
      assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, io.grpc.Status.fromThrowable(t).getCode());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertNull(b.received.poll(200, TimeUnit.MILLISECONDS));
    Node a = new Node(1);
    a.transport.send(2, List.of(append(1, 1, 2, 2, 1)));
    assertNotNull(b.received.poll(10, TimeUnit.SECONDS), "other streams are not affected");
  }

  @Test
  void aStreamMeantForAnotherNodeIsRefused() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    // Node 3's address points at node 2: a stale address book.
    addresses.put(3L, addresses.get(2L));
    a.transport.send(3, List.of(append(1, 1, 3, 2, 1)));
    assertNull(b.received.poll(500, TimeUnit.MILLISECONDS));
    a.transport.send(2, List.of(append(1, 1, 2, 2, 1)));
    assertNotNull(b.received.poll(10, TimeUnit.SECONDS), "the right node still gets its messages");
  }

  @Test
  void aSnapshotMeantForAnotherNodeIsRefusedAndItsLeaderToldSo() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    // Node 3's address points at node 2: a stale address book, as for batches above.
    addresses.put(3L, addresses.get(2L));
    sendSnapshot(a, 3, snapshot(5, 1, 3, 10_000));
    assertEquals("5->3:false", a.snapshotStatus.poll(30, TimeUnit.SECONDS));
    assertEquals(0, b.sinksOpened.get(), "node 2 opened nothing for it");
    assertNull(b.received.poll(200, TimeUnit.MILLISECONDS), "nothing was delivered");
    sendSnapshot(a, 2, snapshot(6, 1, 2, 10_000));
    assertEquals("6->2:true", a.snapshotStatus.poll(30, TimeUnit.SECONDS), "its own still arrive");
  }

  @Test
  void aSnapshotStreamRefusedMidwayIsAnsweredAtOnceAndLeavesItsPlace() throws Exception {
    Node b = new Node(2);
    var channel = rawChannelTo(2);
    try {
      var answer = new java.util.concurrent.CompletableFuture<SnapshotResponse>();
      var requests = openSnapshotCall(channel, answer);
      requests.onNext( // out of order: the next chunk starts at 100
          io.rangedb.wire.proto.SnapshotChunk.newBuilder()
              .setOffset(999)
              .setData(com.google.protobuf.ByteString.copyFrom(new byte[100]))
              .build());
      // The stream stays open, as a stalled or hostile sender's would: the answer must not wait
      // for its end, nor the place it took.
      SnapshotResponse r = answer.get(30, TimeUnit.SECONDS);
      assertFalse(r.getAccepted());
      assertTrue(r.getError().contains("out of order"), r.getError());
      assertEquals(1, b.sinksAborted.get(), "what it brought was dropped");
      assertEquals(0, b.transport.snapshotsReceiving(), "the stream left its place");
      requests.onCompleted();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertNull(b.received.poll(200, TimeUnit.MILLISECONDS), "nothing was delivered");
  }

  @Test
  void countsSoFarKeepWhatAForgottenPeerCounted() throws Exception {
    Node a = new Node(1, OPTIONS.withMaxMessageBytes(512 << 10));
    Node b = new Node(2);
    Envelope small = appendOfOneEntry(2, 1_000);
    a.transport.send(2, List.of(appendOfOneEntry(1, 1_500_000), small));
    assertSameMessage(small, b.received.poll(10, TimeUnit.SECONDS));
    assertEquals(1, a.transport.oversizedMessages());
    assertEquals(1, a.transport.droppedMessages());
    addresses.remove(2L); // node 2 left the cluster
    a.transport.send(2, List.of(small));
    assertEquals(java.util.Set.of(), a.transport.connectedNodes());
    assertEquals(1, a.transport.oversizedMessages(), "a count so far went backwards");
    assertEquals(1, a.transport.droppedMessages(), "a count so far went backwards");
  }

  @Test
  void aNodeThatLeftTheAddressBookLosesItsChannelThoughNothingIsSentToIt() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    Node c = new Node(3);
    a.transport.send(2, List.of(append(1, 1, 2, 2, 1)));
    assertNotNull(b.received.poll(10, TimeUnit.SECONDS));
    addresses.remove(2L); // node 2 left the cluster; its groups moved away, so only 3 hears more
    for (int i = 0; i < GrpcRaftTransport.SENDS_PER_DEPARTURE_CHECK; i++) {
      a.transport.send(3, List.of(append(1, 1, 3, 2, 1)));
    }
    assertEquals(java.util.Set.of(3L), a.transport.connectedNodes());
    assertNotNull(c.received.poll(10, TimeUnit.SECONDS));
  }

  @Test
  void aNodeThatLeftTheAddressBookLosesItsChannelAtTheNextSend() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2);
    a.transport.send(2, List.of(append(1, 1, 2, 2, 1)));
    assertNotNull(b.received.poll(10, TimeUnit.SECONDS));
    assertEquals(java.util.Set.of(2L), a.transport.connectedNodes());
    String address = addresses.remove(2L); // node 2 left the cluster
    a.transport.send(2, List.of(append(1, 1, 2, 2, 1)));
    assertEquals(java.util.Set.of(), a.transport.connectedNodes(), "its channel was shut down");
    assertNull(b.received.poll(300, TimeUnit.MILLISECONDS), "and nothing more reaches it");
    addresses.put(2L, address); // back: a new channel
    a.transport.send(2, List.of(append(1, 1, 2, 2, 1)));
    assertNotNull(b.received.poll(10, TimeUnit.SECONDS));
  }

  @Test
  void malformedMessagesAreDroppedAndTheRestOfTheBatchDelivered() throws Exception {
    Node b = new Node(2);
    Envelope good = append(1, 1, 2, 2, 1);
    var bad = RaftMessageCodec.toProto(good).toBuilder().setTypeValue(99).build();
    var badEntry =
        RaftMessageCodec.toProto(good).toBuilder()
            .setEntries(0, RaftMessageCodec.toProto(good).getEntries(0).toBuilder().setTypeValue(7))
            .build();
    // A snapshot's data travels only on the Snapshot call: on the batch stream it is refused.
    var snapOutsideItsStream =
        RaftMessageCodec.toProto(
            new Envelope(
                1,
                Message.builder(MessageType.SNAP)
                    .from(1)
                    .to(2)
                    .term(2)
                    .snapshot(new Snapshot(9, 2, ConfState.ofVoters(1L, 2L), new byte[] {1}))
                    .build()));
    var channel = rawChannelTo(2);
    try {
      var done = new java.util.concurrent.CountDownLatch(1);
      var requests =
          io.rangedb.wire.proto.RaftTransportGrpc.newStub(channel).stream(
              new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(io.rangedb.wire.proto.RaftBatchAck v) {}

                @Override
                public void onError(Throwable t) {
                  done.countDown();
                }

                @Override
                public void onCompleted() {
                  done.countDown();
                }
              });
      requests.onNext(
          RaftMessageBatch.newBuilder()
              .setFromNode(1)
              .setToNode(2)
              .addMessages(bad)
              .addMessages(badEntry)
              .addMessages(snapOutsideItsStream)
              .addMessages(RaftMessageCodec.toProto(good))
              .build());
      requests.onCompleted();
      assertTrue(done.await(10, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertSameMessage(good, b.received.poll(10, TimeUnit.SECONDS));
    assertNull(b.received.poll(200, TimeUnit.MILLISECONDS));
    assertFalse(b.received.iterator().hasNext());
  }

  private static Envelope snapshot(long group, long from, long to, int bytes) {
    byte[] image = new byte[bytes];
    new Random(group).nextBytes(image);
    return new Envelope(
        group,
        Message.builder(MessageType.SNAP)
            .from(from)
            .to(to)
            .term(2)
            .snapshot(new Snapshot(50, 2, ConfState.ofVoters(from, to), image))
            .build());
  }

  /** Sends one message of {@code group} to node 2 until it arrives there; false at the bound. */
  private static boolean sendUntilDelivered(Node from, Node to, long group, long boundSeconds)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(boundSeconds);
    while (System.nanoTime() < end) {
      from.transport.send(to.id, List.of(append(group, from.id, to.id, 2, 1)));
      for (Envelope e = to.received.poll(200, TimeUnit.MILLISECONDS);
          e != null;
          e = to.received.poll()) {
        if (e.groupId() == group) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void aPeerThatStopsAnsweringHasItsStreamReplacedWithinTheKeepalive() throws Exception {
    Node a = new Node(1, SHORT_KEEPALIVE);
    Node b = new Node(2, SHORT_KEEPALIVE);
    // Node 1 reaches node 2 through a proxy that can black-hole the connections it carries,
    // as a frozen process or a lost route would: the TCP connection stays open, nothing answers.
    TcpProxy proxy = new TcpProxy(b.port);
    closeables.add(proxy);
    addresses.put(2L, "127.0.0.1:" + proxy.port());
    assertTrue(sendUntilDelivered(a, b, 100, 30), "delivered before the freeze");
    assertEquals(0, a.transport.brokenStreams());

    proxy.blackHoleCurrentConnections();
    // Keep sending as a Raft leader would. Without keepalive the stream would sit on the dead
    // connection until TCP gives up (many minutes); with it, gRPC fails the stream after an
    // unanswered ping, the next send opens a new one, and the channel dials a new connection.
    assertTrue(
        sendUntilDelivered(a, b, 200, KEEPALIVE_BOUND_SECONDS),
        "a message sent after the freeze arrives over a new connection");
    assertTrue(a.transport.brokenStreams() >= 1, "the dead stream was reported broken");
    assertTrue(proxy.connections() >= 2, "a new connection was made");
  }

  @Test
  void aPeerThatAcceptsButNeverSpeaksIsReportedUnreachable() throws Exception {
    // Snapshot deadline far away: only keepalive can end these calls.
    Node a = new Node(1, SHORT_KEEPALIVE.withSnapshotTimeoutPerChunk(Duration.ofMinutes(30)));
    BlackHole hole = new BlackHole();
    closeables.add(hole);
    addresses.put(2L, "127.0.0.1:" + hole.port());
    a.transport.send(2, List.of(append(1, 1, 2, 2, 1)));
    sendSnapshot(a, 2, snapshot(4, 1, 2, 10_000));
    assertEquals("4->2:false", a.snapshotStatus.poll(KEEPALIVE_BOUND_SECONDS, TimeUnit.SECONDS));
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(KEEPALIVE_BOUND_SECONDS);
    while (a.transport.brokenStreams() == 0 && System.nanoTime() < end) {
      Thread.sleep(50);
    }
    assertTrue(a.transport.brokenStreams() >= 1, "the stream to the silent peer was failed");
    assertTrue(a.transport.droppedMessages() >= 1, "its queued message counted as dropped");
  }

  @Test
  void peersPingingAtTheirKeepaliveAreNotCutOffByTheServer() throws Exception {
    Node a = new Node(1, SHORT_KEEPALIVE);
    Node b = new Node(2, SHORT_KEEPALIVE);
    assertTrue(sendUntilDelivered(a, b, 1, 30));
    // Node 2 sends nothing back on the stream, so node 1 pings every 10 s. A server with gRPC's
    // default policy (one ping per 5 minutes) answers the third with GOAWAY too_many_pings,
    // breaking the stream; one set up by configureServer must let them through.
    Thread.sleep(TimeUnit.SECONDS.toMillis(45));
    assertEquals(0, a.transport.brokenStreams(), "the stream survived the pings");
    assertTrue(sendUntilDelivered(a, b, 2, 30));
    assertEquals(0, a.transport.brokenStreams());
  }

  @Test
  void aSnapshotToAPeerThatNeverAnswersFailsAtItsDeadline() throws Exception {
    Node a = new Node(1, OPTIONS.withSnapshotTimeoutPerChunk(Duration.ofSeconds(1)));
    // A live server (it answers pings, so keepalive does not help) whose snapshot handler takes
    // the chunks and never answers, as a peer stuck applying or wedged would.
    Server stuck =
        a.transport
            .configureServer(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)))
            .addService(
                new RaftTransportGrpc.RaftTransportImplBase() {
                  @Override
                  public StreamObserver<io.rangedb.wire.proto.SnapshotChunk> snapshot(
                      StreamObserver<SnapshotResponse> response) {
                    return new StreamObserver<>() {
                      @Override
                      public void onNext(io.rangedb.wire.proto.SnapshotChunk c) {}

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    };
                  }
                })
            .build()
            .start();
    closeables.add(() -> stuck.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    addresses.put(2L, "127.0.0.1:" + stuck.getPort());
    sendSnapshot(a, 2, snapshot(6, 1, 2, 10_000)); // 3 chunks: a 4 s deadline
    assertEquals("6->2:false", a.snapshotStatus.poll(60, TimeUnit.SECONDS));
  }

  @Test
  void aSnapshotOverTheReceiversLimitIsRefusedAndDropped() throws Exception {
    Node a = new Node(1);
    Node b = new Node(2, OPTIONS.withMaxSnapshotBytes(50_000));
    sendSnapshot(a, 2, snapshot(7, 1, 2, 100_000));
    assertEquals("7->2:false", a.snapshotStatus.poll(30, TimeUnit.SECONDS));
    assertEquals(1, b.sinksAborted.get(), "what arrived of it was dropped");
    sendSnapshot(a, 2, snapshot(8, 1, 2, 50_000)); // at the limit: taken
    assertEquals("8->2:true", a.snapshotStatus.poll(30, TimeUnit.SECONDS));
    Envelope got = b.received.poll(10, TimeUnit.SECONDS);
    assertNotNull(got);
    assertEquals(8, got.groupId());

    // A peer that streams without end is cut off with RESOURCE_EXHAUSTED, not buffered.
    var channel = rawChannelTo(2);
    try {
      var header =
          RaftMessageCodec.toProto(
              new Envelope(
                  9,
                  Message.builder(MessageType.SNAP)
                      .from(1)
                      .to(2)
                      .term(2)
                      .snapshot(new Snapshot(50, 2, ConfState.ofVoters(1L, 2L), null))
                      .build()));
      var outcome = new java.util.concurrent.CompletableFuture<Object>();
      int chunks = 2_500; // 10 MB, then a last chunk
      RaftTransportGrpc.newStub(channel)
          .snapshot(
              new ClientResponseObserver<io.rangedb.wire.proto.SnapshotChunk, SnapshotResponse>() {
                private int next;

                @Override
                public void beforeStart(
                    ClientCallStreamObserver<io.rangedb.wire.proto.SnapshotChunk> requests) {
                  requests.setOnReadyHandler(
                      () -> {
                        while (next < chunks && requests.isReady() && !outcome.isDone()) {
                          var c =
                              io.rangedb.wire.proto.SnapshotChunk.newBuilder()
                                  .setOffset(next * 4096L)
                                  .setData(com.google.protobuf.ByteString.copyFrom(new byte[4096]))
                                  .setLast(next == chunks - 1);
                          if (next == 0) {
                            c.setHeader(header).setFromNode(1);
                          }
                          requests.onNext(c.build());
                          if (++next == chunks) {
                            requests.onCompleted();
                          }
                        }
                      });
                }

                @Override
                public void onNext(SnapshotResponse r) {
                  outcome.complete(r);
                }

                @Override
                public void onError(Throwable t) {
                  outcome.complete(io.grpc.Status.fromThrowable(t).getCode());
                }

                @Override
                public void onCompleted() {
                  outcome.complete("completed without an answer");
                }
              });
      assertEquals(io.grpc.Status.Code.RESOURCE_EXHAUSTED, outcome.get(60, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertNull(b.received.poll(200, TimeUnit.MILLISECONDS), "nothing of it was delivered");
  }

  /**
   * A TCP proxy on loopback to one port. {@link #blackHoleCurrentConnections} makes the connections
   * open at that moment swallow everything in both directions while staying open; connections made
   * later are forwarded normally.
   */
  private static final class TcpProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<AtomicBoolean> holes = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();

    TcpProxy(int target) throws IOException {
      this.target = target;
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      start(this::acceptLoop);
    }

    int port() {
      return listener.getLocalPort();
    }

    int connections() {
      return accepted.get();
    }

    void blackHoleCurrentConnections() {
      for (AtomicBoolean h : holes) {
        h.set(true);
      }
    }

    private void acceptLoop() {
      try {
        while (true) {
          Socket in = listener.accept();
          Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
          sockets.add(in);
          sockets.add(out);
          AtomicBoolean hole = new AtomicBoolean();
          holes.add(hole);
          accepted.incrementAndGet();
          start(() -> pump(in, out, hole));
          start(() -> pump(out, in, hole));
        }
      } catch (IOException closed) {
        // close() closed the listener
      }
    }

    private static void pump(Socket from, Socket to, AtomicBoolean hole) {
      byte[] buf = new byte[16 << 10];
      try {
        int n;
        while ((n = from.getInputStream().read(buf)) >= 0) {
          if (!hole.get()) {
            to.getOutputStream().write(buf, 0, n);
          }
        }
        to.shutdownOutput();
      } catch (IOException closed) {
        // one side went away
      }
    }

    private void start(Runnable r) {
      threads.add(Thread.ofPlatform().daemon().name("tcp-proxy").start(r));
    }

    @Override
    public void close() throws Exception {
      listener.close();
      for (Socket s : sockets) {
        s.close();
      }
      for (Thread t : threads) {
        t.join(5_000);
      }
    }
  }

  /** Accepts TCP connections on loopback and never reads or writes a byte. */
  private static final class BlackHole implements AutoCloseable {
    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    BlackHole() throws IOException {
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor =
          Thread.ofPlatform()
              .daemon()
              .name("black-hole")
              .start(
                  () -> {
                    try {
                      while (true) {
                        sockets.add(listener.accept());
                      }
                    } catch (IOException closed) {
                      // close() closed the listener
                    }
                  });
    }

    int port() {
      return listener.getLocalPort();
    }

    @Override
    public void close() throws Exception {
      listener.close();
      for (Socket s : sockets) {
        s.close();
      }
      acceptor.join(5_000);
    }
  }
}
