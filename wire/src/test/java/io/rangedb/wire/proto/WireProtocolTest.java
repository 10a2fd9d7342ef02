package io.rangedb.wire.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WireProtocolTest {

  @Test
  void raftBatchSurvivesTheWireByteForByte() throws Exception {
    RaftMessageBatch batch =
        RaftMessageBatch.newBuilder()
            .setFromNode(1)
            .setToNode(2)
            .addMessages(
                RaftMessage.newBuilder()
                    .setGroupId(7)
                    .setType(RaftMessageType.MSG_APP)
                    .setTerm(3)
                    .setIndex(41)
                    .setLogTerm(2)
                    .setCommit(40)
                    .addEntries(
                        RaftEntry.newBuilder()
                            .setTerm(3)
                            .setIndex(42)
                            .setType(EntryType.ENTRY_NORMAL)
                            .setData(ByteString.copyFromUtf8("put k v"))))
            .build();
    RaftMessageBatch decoded = RaftMessageBatch.parseFrom(batch.toByteArray());
    assertEquals(batch, decoded);
    assertEquals("put k v", decoded.getMessages(0).getEntries(0).getData().toStringUtf8());
  }

  @Test
  void truncatedMessageIsRejectedNotMisread() {
    byte[] bytes =
        KeyValue.newBuilder()
            .setKey(ByteString.copyFromUtf8("key"))
            .setValue(ByteString.copyFromUtf8("value"))
            .build()
            .toByteArray();
    byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 2);
    assertThrows(InvalidProtocolBufferException.class, () -> KeyValue.parseFrom(truncated));
  }

  @Test
  void sessionServiceAnswersPingOverGrpc() throws Exception {
    String name = InProcessServerBuilder.generateName();
    SqlSessionGrpc.SqlSessionImplBase service =
        new SqlSessionGrpc.SqlSessionImplBase() {
          @Override
          public void ping(PingRequest request, StreamObserver<PingResponse> response) {
            response.onNext(PingResponse.newBuilder().setServerVersion("test").build());
            response.onCompleted();
          }
        };
    Server server =
        InProcessServerBuilder.forName(name).directExecutor().addService(service).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      PingResponse pong =
          SqlSessionGrpc.newBlockingStub(channel).ping(PingRequest.getDefaultInstance());
      assertEquals("test", pong.getServerVersion());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
