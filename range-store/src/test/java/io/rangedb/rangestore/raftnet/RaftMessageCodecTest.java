package io.rangedb.rangestore.raftnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.wire.proto.RaftMessage;
import io.rangedb.wire.proto.RaftMessageBatch;
import io.rangedb.wire.proto.RaftMessageType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The direct codec against protobuf's generated classes, which stay the schema: what it writes, the
 * generated parser reads as the same messages (and the generated classes write the very same
 * bytes), and what the generated classes write, it reads back as the same records. The expected
 * protobuf form is built with the generated builders ({@link GeneratedRaftMessages}), independently
 * of the codec.
 */
class RaftMessageCodecTest {
  private static final long SEED = 20261202;

  @Test
  void randomBatchesReadTheSameBothWays() throws Exception {
    SplittableRandom rng = new SplittableRandom(SEED);
    for (int round = 0; round < 500; round++) {
      List<Envelope> msgs = new ArrayList<>();
      int n = 1 + rng.nextInt(12);
      for (int i = 0; i < n; i++) {
        msgs.add(randomEnvelope(rng));
      }
      long from = 1 + rng.nextInt(5);
      long to = 1 + rng.nextInt(5);
      String where = "seed " + SEED + " round " + round;

      List<RaftMessageCodec.EncodedBatch> encoded =
          RaftMessageCodec.encodeBatches(from, to, msgs, Long.MAX_VALUE);
      assertEquals(1, encoded.size(), where);
      assertEquals(n, encoded.get(0).messages(), where);
      RaftMessageBatch parsed = RaftMessageBatch.parseFrom(encoded.get(0).bytes());
      assertEquals(
          GeneratedRaftMessages.of(from, to, msgs),
          parsed,
          where + ": the generated parser's reading");
      assertArrayEquals(
          GeneratedRaftMessages.of(from, to, msgs).toByteArray(),
          encoded.get(0).bytes(),
          where + ": the very bytes the generated classes write");

      RaftMessageCodec.DecodedBatch decoded =
          RaftMessageCodec.decodeBatch(GeneratedRaftMessages.of(from, to, msgs).toByteArray());
      assertEquals(from, decoded.fromNode(), where);
      assertEquals(to, decoded.toNode(), where);
      assertEquals(List.of(), decoded.malformed(), where);
      assertEquals(
          GeneratedRaftMessages.of(from, to, msgs),
          GeneratedRaftMessages.of(from, to, decoded.messages()),
          where);
      for (int i = 0; i < n; i++) {
        assertSameEntries(msgs.get(i), decoded.messages().get(i), where);
      }
    }
  }

  @Test
  void fieldsItDoesNotKnowAreSkipped() throws Exception {
    Envelope env = randomEnvelope(new SplittableRandom(SEED));
    UnknownFieldSet unknown =
        UnknownFieldSet.newBuilder()
            .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(7).addFixed64(8).build())
            .addField(
                100,
                UnknownFieldSet.Field.newBuilder()
                    .addLengthDelimited(ByteString.copyFromUtf8("later"))
                    .build())
            .build();
    RaftMessageBatch withUnknown =
        RaftMessageBatch.newBuilder()
            .setFromNode(1)
            .setToNode(2)
            .addMessages(GeneratedRaftMessages.of(env).toBuilder().setUnknownFields(unknown))
            .setUnknownFields(unknown)
            .build();
    RaftMessageCodec.DecodedBatch decoded = RaftMessageCodec.decodeBatch(withUnknown.toByteArray());
    assertEquals(
        GeneratedRaftMessages.of(env), GeneratedRaftMessages.of(decoded.messages().get(0)));
  }

  @Test
  void aBatchIsSplitAtTheByteBudgetAndNoMessageIsLost() throws Exception {
    SplittableRandom rng = new SplittableRandom(SEED + 1);
    List<Envelope> msgs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      msgs.add(randomEnvelope(rng));
    }
    long budget = 2_000;
    List<RaftMessageCodec.EncodedBatch> batches =
        RaftMessageCodec.encodeBatches(1, 2, msgs, budget);
    assertTrue(batches.size() > 1);
    List<RaftMessage> all = new ArrayList<>();
    for (RaftMessageCodec.EncodedBatch b : batches) {
      RaftMessageBatch parsed = RaftMessageBatch.parseFrom(b.bytes());
      assertEquals(parsed.getMessagesCount(), b.messages());
      assertTrue(
          b.bytes().length <= budget || b.messages() == 1,
          b.bytes().length + " bytes in a batch of " + b.messages());
      all.addAll(parsed.getMessagesList());
    }
    assertEquals(GeneratedRaftMessages.of(1, 2, msgs).getMessagesList(), all);
  }

  @Test
  void aMalformedMessageIsLeftOutAndTheRestKept() throws Exception {
    SplittableRandom rng = new SplittableRandom(SEED + 2);
    Envelope good = append(rng);
    RaftMessage unknownType = GeneratedRaftMessages.of(good).toBuilder().setTypeValue(99).build();
    RaftMessage noSender = GeneratedRaftMessages.of(good).toBuilder().setFrom(0).build();
    RaftMessage unknownEntryType =
        GeneratedRaftMessages.of(good).toBuilder()
            .setEntries(0, GeneratedRaftMessages.of(good).getEntries(0).toBuilder().setTypeValue(7))
            .build();
    RaftMessage snapWithoutMeta =
        GeneratedRaftMessages.of(good).toBuilder()
            .setType(RaftMessageType.MSG_SNAP)
            .clearEntries()
            .clearSnapshot()
            .build();
    RaftMessageBatch batch =
        RaftMessageBatch.newBuilder()
            .setFromNode(1)
            .setToNode(2)
            .addMessages(unknownType)
            .addMessages(noSender)
            .addMessages(unknownEntryType)
            .addMessages(snapWithoutMeta)
            .addMessages(GeneratedRaftMessages.of(good))
            .build();
    RaftMessageCodec.DecodedBatch decoded = RaftMessageCodec.decodeBatch(batch.toByteArray());
    assertEquals(4, decoded.malformed().size(), decoded.malformed().toString());
    assertEquals(1, decoded.messages().size());
    assertEquals(
        GeneratedRaftMessages.of(good), GeneratedRaftMessages.of(decoded.messages().get(0)));
  }

  @Test
  void anAppendThatDoesNotContinueTheLogIsLeftOut() throws Exception {
    // Each after (index 10, log term 2), in a message of term 3.
    Map<String, List<Entry>> broken = new LinkedHashMap<>();
    broken.put("entry 5 where 11 belongs", List.of(entry(3, 5)));
    broken.put("entry 13 where 12 belongs", List.of(entry(3, 11), entry(3, 13)));
    broken.put("entry 12 has term 2", List.of(entry(3, 11), entry(2, 12)));
    broken.put("entry 11 has term 1", List.of(entry(1, 11)));
    broken.put("entry 11 has term 4", List.of(entry(4, 11)));
    RaftMessageBatch.Builder batch = RaftMessageBatch.newBuilder().setFromNode(1).setToNode(2);
    for (List<Entry> entries : broken.values()) {
      batch.addMessages(GeneratedRaftMessages.of(appendAfter(10, 2, 3, entries)));
    }
    batch.addMessages(
        GeneratedRaftMessages.of(appendAfter(10, 2, 3, List.of())).toBuilder()
            .setIndex(-1)); // no log has a position -1
    Envelope good = appendAfter(10, 2, 3, List.of(entry(2, 11), entry(3, 12)));
    batch.addMessages(GeneratedRaftMessages.of(good));
    RaftMessageCodec.DecodedBatch decoded =
        RaftMessageCodec.decodeBatch(batch.build().toByteArray());
    List<String> why = decoded.malformed();
    assertEquals(broken.size() + 1, why.size(), why.toString());
    int i = 0;
    for (String expected : broken.keySet()) {
      assertTrue(why.get(i++).contains(expected), why + " should say " + expected);
    }
    assertEquals(
        List.of(GeneratedRaftMessages.of(good)),
        decoded.messages().stream().map(GeneratedRaftMessages::of).toList());
  }

  private static Entry entry(long term, long index) {
    return Entry.normal(term, index, new byte[] {(byte) index});
  }

  private static Envelope appendAfter(long index, long logTerm, long term, List<Entry> entries) {
    return new Envelope(
        7,
        Message.builder(MessageType.APP)
            .from(1)
            .to(2)
            .term(term)
            .logTerm(logTerm)
            .index(index)
            .commit(9)
            .entries(entries)
            .build());
  }

  @Test
  void bytesThatAreNotABatchAreRefusedWhole() {
    SplittableRandom rng = new SplittableRandom(SEED + 3);
    byte[] whole =
        RaftMessageCodec.encodeBatches(1, 2, List.of(append(rng), append(rng)), Long.MAX_VALUE)
            .get(0)
            .bytes();
    byte[] cut = Arrays.copyOf(whole, whole.length - 3);
    assertThrows(InvalidProtocolBufferException.class, () -> RaftMessageCodec.decodeBatch(cut));
    byte[] garbage = {(byte) 0x1a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
    assertThrows(InvalidProtocolBufferException.class, () -> RaftMessageCodec.decodeBatch(garbage));
    // A message whose fields stop early (a stray end-group tag) with bytes left in its frame.
    byte[] stopsEarly = {0x1a, 0x04, 0x08, 0x01, 0x2c, 0x10};
    assertThrows(
        InvalidProtocolBufferException.class, () -> RaftMessageCodec.decodeBatch(stopsEarly));
  }

  // ------------------------------------------------------------------ messages and the oracle

  private static Envelope append(SplittableRandom rng) {
    List<Entry> entries = List.of(Entry.normal(3, 11, bytes(rng, 100)));
    return new Envelope(
        7,
        Message.builder(MessageType.APP)
            .from(1)
            .to(2)
            .term(3)
            .logTerm(3)
            .index(10)
            .commit(9)
            .entries(entries)
            .build());
  }

  private static Envelope randomEnvelope(SplittableRandom rng) {
    MessageType[] types = MessageType.values();
    MessageType type = types[rng.nextInt(types.length)];
    Message.Builder b =
        Message.builder(type)
            .from(1 + rng.nextInt(5))
            .to(rng.nextInt(6))
            .term(someLong(rng))
            .logTerm(someLong(rng))
            .index(someLong(rng))
            .commit(someLong(rng))
            .reject(rng.nextBoolean())
            .rejectHint(someLong(rng));
    List<Entry> entries = new ArrayList<>();
    boolean append = type == MessageType.APP;
    long logTerm = rng.nextInt(1_000);
    long term = logTerm + rng.nextInt(3);
    long index = rng.nextInt(2) == 0 ? 0 : rng.nextLong(1L << 40);
    if (append) { // only a log's continuation decodes (anAppendThatDoesNotContinueTheLog...)
      b.term(term).logTerm(logTerm).index(index);
    }
    for (int i = rng.nextInt(4); i > 0; i--) {
      entries.add(
          new Entry(
              append ? Math.min(term, logTerm + entries.size()) : someLong(rng),
              append ? index + 1 + entries.size() : someLong(rng),
              rng.nextInt(4) == 0 ? EntryType.CONF_CHANGE : EntryType.NORMAL,
              bytes(rng, rng.nextInt(3) == 0 ? 0 : rng.nextInt(300))));
    }
    b.entries(entries);
    switch (rng.nextInt(3)) {
      case 0 -> b.context(Message.QUIESCE);
      case 1 -> b.context(bytes(rng, 16));
      default -> {}
    }
    if (type == MessageType.SNAP) {
      b.snapshot(
          new Snapshot(
              someLong(rng),
              someLong(rng),
              new ConfState(
                  java.util.Set.of(1L, 2L, 3L),
                  rng.nextBoolean() ? java.util.Set.of(1L, 4L) : java.util.Set.of(),
                  java.util.Set.of(5L),
                  java.util.Set.of(),
                  rng.nextBoolean()),
              null));
    }
    return new Envelope(rng.nextLong(1, 1L << 40), b.build());
  }

  /** Zero (which protobuf leaves out), small, large or negative. */
  private static long someLong(SplittableRandom rng) {
    return switch (rng.nextInt(4)) {
      case 0 -> 0;
      case 1 -> rng.nextInt(1_000);
      case 2 -> rng.nextLong();
      default -> -1 - rng.nextInt(10);
    };
  }

  private static byte[] bytes(SplittableRandom rng, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) rng.nextInt(256);
    }
    return b;
  }

  private static void assertSameEntries(Envelope a, Envelope b, String where) {
    assertEquals(a.message().entries(), b.message().entries(), where);
  }
}
