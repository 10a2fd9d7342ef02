package io.rangedb.rangestore.raftcluster;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import io.rangedb.wire.proto.PingRequest;
import io.rangedb.wire.proto.PingResponse;
import io.rangedb.wire.proto.SqlSessionGrpc;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What the machine allows a Raft commit at best: one synced RocksDB write of a Raft append (a
 * 100-byte entry and a hard state) and one gRPC round trip on loopback. A commit needs both: the
 * leader's fsync and a follower's, overlapped, plus the round trip.
 */
final class MachineLimits {
  private MachineLimits() {}

  static Latencies syncedWrites(Path dir, int iterations) {
    Latencies lat = new Latencies();
    byte[] entry = new byte[100 + 17];
    byte[] hardState = new byte[25];
    try (StoreEngine engine = StoreEngine.open(StoreOptions.onDisk(dir))) {
      // A running store writes into recycled write-ahead log files: get there first (two log
      // switches), so that the figure is the steady state's, not a new store's.
      for (int warmUp = 0; warmUp < 2; warmUp++) {
        for (int i = 0; i < iterations / 4; i++) {
          syncedWrite(engine, i, entry, hardState);
        }
        engine.flush();
      }
      for (int i = 0; i < iterations; i++) {
        long start = System.nanoTime();
        syncedWrite(engine, i, entry, hardState);
        lat.record(System.nanoTime() - start);
      }
    }
    return lat;
  }

  private static void syncedWrite(StoreEngine engine, int i, byte[] entry, byte[] hardState) {
    try (EngineBatch b = engine.newBatch()) {
      b.put(ColumnFamily.RAFT_LOG, key(i, 0x10), entry);
      b.put(ColumnFamily.RAFT_LOG, key(0, 0x01), hardState);
      engine.write(b, true);
    }
  }

  static Latencies grpcRoundTrips(int iterations) throws Exception {
    Latencies lat = new Latencies();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new SqlSessionGrpc.SqlSessionImplBase() {
                  @Override
                  public void ping(PingRequest request, StreamObserver<PingResponse> response) {
                    response.onNext(PingResponse.getDefaultInstance());
                    response.onCompleted();
                  }
                })
            .build()
            .start();
    ManagedChannel channel =
        Grpc.newChannelBuilder("127.0.0.1:" + server.getPort(), InsecureChannelCredentials.create())
            .build();
    try {
      var stub = SqlSessionGrpc.newBlockingStub(channel);
      for (int i = 0; i < iterations / 10; i++) {
        stub.ping(PingRequest.getDefaultInstance()); // warm up connection and JIT
      }
      for (int i = 0; i < iterations; i++) {
        long start = System.nanoTime();
        stub.ping(PingRequest.getDefaultInstance());
        lat.record(System.nanoTime() - start);
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    return lat;
  }

  private static byte[] key(long index, int kind) {
    return java.nio.ByteBuffer.allocate(17).putLong(1).put((byte) kind).putLong(index).array();
  }
}
