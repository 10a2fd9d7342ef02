package io.rangedb.rangestore.raftnet;

import io.rangedb.raft.Entry;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.wire.proto.RaftMessage;
import io.rangedb.wire.proto.RaftMessageBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encoding and decoding one batch of Raft messages as a host sends it to a peer at 64 proposers on
 * 1,000 groups: 8 appends with one 100-byte entry each and 8 acknowledgements. The direct codec
 * ({@link RaftMessageCodec}) beside the generated protobuf classes doing the same work (building
 * the messages and serializing them; parsing them and reading them into the raft module's records),
 * in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RaftCodecBenchmark {
  private List<Envelope> batch;
  private byte[] encoded;

  @Setup
  public void setup() {
    SplittableRandom rng = new SplittableRandom(7);
    batch = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      long group = 1 + rng.nextInt(1_000);
      long index = 1_000 + rng.nextInt(100_000);
      byte[] command = new byte[100];
      rng.nextBytes(command);
      batch.add(
          new Envelope(
              group,
              Message.builder(MessageType.APP)
                  .from(1)
                  .to(2)
                  .term(3)
                  .logTerm(3)
                  .index(index - 1)
                  .commit(index - 1)
                  .entries(List.of(Entry.normal(3, index, command)))
                  .build()));
      batch.add(
          new Envelope(
              group + 1,
              Message.builder(MessageType.APP_RESP).from(1).to(2).term(3).index(index).build()));
    }
    encoded = RaftMessageCodec.encodeBatches(1, 2, batch, Long.MAX_VALUE).get(0).bytes();
  }

  @Benchmark
  public byte[] encodeDirect() {
    return RaftMessageCodec.encodeBatches(1, 2, batch, Long.MAX_VALUE).get(0).bytes();
  }

  @Benchmark
  public byte[] encodeGenerated() {
    return GeneratedRaftMessages.of(1, 2, batch).toByteArray();
  }

  @Benchmark
  public List<Envelope> decodeDirect() throws Exception {
    return RaftMessageCodec.decodeBatch(encoded).messages();
  }

  @Benchmark
  public List<Envelope> decodeGenerated() throws Exception {
    RaftMessageBatch b = RaftMessageBatch.parseFrom(encoded);
    List<Envelope> out = new ArrayList<>(b.getMessagesCount());
    for (RaftMessage m : b.getMessagesList()) {
      out.add(GeneratedRaftMessages.envelope(m));
    }
    return out;
  }
}
