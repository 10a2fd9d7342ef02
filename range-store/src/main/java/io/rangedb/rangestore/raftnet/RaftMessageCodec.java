package io.rangedb.rangestore.raftnet;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.SnapshotChunk;
import io.rangedb.wire.proto.RaftConfState;
import io.rangedb.wire.proto.RaftEntry;
import io.rangedb.wire.proto.RaftMessage;
import io.rangedb.wire.proto.RaftMessageBatch;
import io.rangedb.wire.proto.RaftMessageType;
import io.rangedb.wire.proto.RaftSnapshotMeta;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Converts the raft module's messages to the protobuf messages of {@code rangedb/raft.proto} and
 * back, at the edge of the gRPC transport. Batches of messages, one per peer and host cycle, are
 * written and read directly in protobuf's wire format, without the generated message objects in
 * between (a profile at 1,000 busy groups had a tenth of the CPU in building, framing and parsing
 * them, and a third of the allocations); the generated classes stay the schema, and the snapshot
 * stream, which is rare, still uses them. A message from the wire that does not decode to a valid
 * record is rejected with {@link IllegalArgumentException}, never guessed at; unknown fields are
 * skipped, as protobuf does.
 */
final class RaftMessageCodec {
  private RaftMessageCodec() {}

  private static final int VARINT = 0;
  private static final int LENGTH_DELIMITED = 2;

  private static final int BATCH_FROM_NODE = RaftMessageBatch.FROM_NODE_FIELD_NUMBER;
  private static final int BATCH_TO_NODE = RaftMessageBatch.TO_NODE_FIELD_NUMBER;
  private static final int BATCH_MESSAGES = RaftMessageBatch.MESSAGES_FIELD_NUMBER;

  /** The bytes of an encoded {@code RaftMessageBatch}, and how many messages it holds. */
  record EncodedBatch(byte[] bytes, int messages) {}

  /** A batch as it came off the wire: the messages that decoded, and why the others did not. */
  record DecodedBatch(
      long fromNode, long toNode, List<Envelope> messages, List<String> malformed) {}

  // ------------------------------------------------------------------ batches (the stream)

  /**
   * Encodes {@code messages} from {@code fromNode} to {@code toNode} as {@code RaftMessageBatch}
   * bytes, split so that no batch exceeds {@code maxBatchBytes} unless one message alone does.
   */
  static List<EncodedBatch> encodeBatches(
      long fromNode, long toNode, List<Envelope> messages, long maxBatchBytes) {
    int header = int64Size(BATCH_FROM_NODE, fromNode) + int64Size(BATCH_TO_NODE, toNode);
    int[] sizes = new int[messages.size()];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = messageSize(messages.get(i));
    }
    List<EncodedBatch> out = new ArrayList<>(1);
    int start = 0;
    while (start < sizes.length) {
      long bytes = header;
      int end = start;
      do {
        bytes += delimitedSize(BATCH_MESSAGES, sizes[end]);
        end++;
      } while (end < sizes.length
          && bytes + delimitedSize(BATCH_MESSAGES, sizes[end]) <= maxBatchBytes);
      byte[] b = new byte[Math.toIntExact(bytes)];
      CodedOutputStream o = CodedOutputStream.newInstance(b);
      try {
        writeInt64(o, BATCH_FROM_NODE, fromNode);
        writeInt64(o, BATCH_TO_NODE, toNode);
        for (int i = start; i < end; i++) {
          o.writeTag(BATCH_MESSAGES, LENGTH_DELIMITED);
          o.writeUInt32NoTag(sizes[i]);
          writeMessage(o, messages.get(i));
        }
        o.checkNoSpaceLeft();
      } catch (IOException e) {
        throw new UncheckedIOException("encoding a Raft batch into its own size", e);
      }
      out.add(new EncodedBatch(b, end - start));
      start = end;
    }
    return out;
  }

  /**
   * Decodes {@code RaftMessageBatch} bytes. A message that does not decode to a valid record is
   * left out and counted in {@link DecodedBatch#malformed()}; the others are kept.
   *
   * @throws InvalidProtocolBufferException if the batch itself is not valid protobuf (then no
   *     message in it can be trusted to start where it seems to)
   */
  static DecodedBatch decodeBatch(byte[] bytes) throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    long from = 0;
    long to = 0;
    List<Envelope> messages = new ArrayList<>();
    List<String> malformed = List.of();
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == tag(BATCH_FROM_NODE, VARINT)) {
          from = in.readInt64();
        } else if (tag == tag(BATCH_TO_NODE, VARINT)) {
          to = in.readInt64();
        } else if (tag == tag(BATCH_MESSAGES, LENGTH_DELIMITED)) {
          int limit = in.pushLimit(in.readRawVarint32());
          try {
            messages.add(readMessage(in));
          } catch (IllegalArgumentException e) {
            malformed = malformed.isEmpty() ? new ArrayList<>() : malformed;
            malformed.add(e.getMessage());
          }
          endOfEmbedded(in, limit);
        } else if (!in.skipField(tag)) {
          break;
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      // A CodedInputStream over an array fails only with the exception above.
      throw new InvalidProtocolBufferException(e);
    }
    return new DecodedBatch(from, to, messages, malformed);
  }

  /**
   * Leaves an embedded message, which must have been read to its end: a field list that stopped
   * early means the bytes after it cannot be trusted to be what they seem.
   */
  private static void endOfEmbedded(CodedInputStream in, int limit)
      throws InvalidProtocolBufferException {
    if (in.getBytesUntilLimit() != 0) {
      throw new InvalidProtocolBufferException(
          "an embedded message ended " + in.getBytesUntilLimit() + " bytes early");
    }
    in.popLimit(limit);
  }

  // ------------------------------------------------------------------ one message

  /** The message in its generated form (the snapshot stream's header, tests). */
  static RaftMessage toProto(Envelope env) {
    byte[] b = new byte[messageSize(env)];
    CodedOutputStream o = CodedOutputStream.newInstance(b);
    try {
      writeMessage(o, env);
      return RaftMessage.parseFrom(b);
    } catch (IOException e) {
      throw new UncheckedIOException("re-reading an encoded Raft message", e);
    }
  }

  /** Decodes a message in its generated form; a snapshot's data is empty here. */
  static Envelope fromProto(RaftMessage p) {
    try {
      return readMessage(CodedInputStream.newInstance(p.toByteArray()));
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable Raft message: " + e.getMessage(), e);
    }
  }

  private static int messageSize(Envelope env) {
    Message m = env.message();
    int n =
        int64Size(RaftMessage.GROUP_ID_FIELD_NUMBER, env.groupId())
            + int64Size(RaftMessage.FROM_FIELD_NUMBER, m.from())
            + int64Size(RaftMessage.TO_FIELD_NUMBER, m.to())
            + enumSize(RaftMessage.TYPE_FIELD_NUMBER, encode(m.type()).getNumber())
            + int64Size(RaftMessage.TERM_FIELD_NUMBER, m.term())
            + int64Size(RaftMessage.LOG_TERM_FIELD_NUMBER, m.logTerm())
            + int64Size(RaftMessage.INDEX_FIELD_NUMBER, m.index())
            + int64Size(RaftMessage.COMMIT_FIELD_NUMBER, m.commit())
            + (m.reject()
                ? CodedOutputStream.computeBoolSize(RaftMessage.REJECT_FIELD_NUMBER, true)
                : 0)
            + int64Size(RaftMessage.REJECT_HINT_FIELD_NUMBER, m.rejectHint())
            + bytesSize(RaftMessage.CONTEXT_FIELD_NUMBER, m.context());
    for (Entry e : m.entries()) {
      n += delimitedSize(RaftMessage.ENTRIES_FIELD_NUMBER, entrySize(e));
    }
    if (m.snapshot() != null) {
      n +=
          CodedOutputStream.computeMessageSize(
              RaftMessage.SNAPSHOT_FIELD_NUMBER, snapshotMeta(m.snapshot()));
    }
    return n;
  }

  private static void writeMessage(CodedOutputStream o, Envelope env) throws IOException {
    Message m = env.message();
    writeInt64(o, RaftMessage.GROUP_ID_FIELD_NUMBER, env.groupId());
    writeInt64(o, RaftMessage.FROM_FIELD_NUMBER, m.from());
    writeInt64(o, RaftMessage.TO_FIELD_NUMBER, m.to());
    int type = encode(m.type()).getNumber();
    if (type != 0) {
      o.writeEnum(RaftMessage.TYPE_FIELD_NUMBER, type);
    }
    writeInt64(o, RaftMessage.TERM_FIELD_NUMBER, m.term());
    writeInt64(o, RaftMessage.LOG_TERM_FIELD_NUMBER, m.logTerm());
    writeInt64(o, RaftMessage.INDEX_FIELD_NUMBER, m.index());
    for (Entry e : m.entries()) {
      o.writeTag(RaftMessage.ENTRIES_FIELD_NUMBER, LENGTH_DELIMITED);
      o.writeUInt32NoTag(entrySize(e));
      writeInt64(o, RaftEntry.TERM_FIELD_NUMBER, e.term());
      writeInt64(o, RaftEntry.INDEX_FIELD_NUMBER, e.index());
      o.writeEnum(RaftEntry.TYPE_FIELD_NUMBER, entryType(e));
      if (e.data().length > 0) {
        o.writeByteArray(RaftEntry.DATA_FIELD_NUMBER, e.data());
      }
    }
    writeInt64(o, RaftMessage.COMMIT_FIELD_NUMBER, m.commit());
    if (m.reject()) {
      o.writeBool(RaftMessage.REJECT_FIELD_NUMBER, true);
    }
    writeInt64(o, RaftMessage.REJECT_HINT_FIELD_NUMBER, m.rejectHint());
    if (m.context().length > 0) {
      o.writeByteArray(RaftMessage.CONTEXT_FIELD_NUMBER, m.context());
    }
    if (m.snapshot() != null) {
      o.writeMessage(RaftMessage.SNAPSHOT_FIELD_NUMBER, snapshotMeta(m.snapshot()));
    }
  }

  private static Envelope readMessage(CodedInputStream in) throws IOException {
    Fields f = new Fields();
    fields:
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (RaftMessage.GROUP_ID_FIELD_NUMBER << 3) | VARINT -> f.group = in.readInt64();
        case (RaftMessage.FROM_FIELD_NUMBER << 3) | VARINT -> f.from = in.readInt64();
        case (RaftMessage.TO_FIELD_NUMBER << 3) | VARINT -> f.to = in.readInt64();
        case (RaftMessage.TYPE_FIELD_NUMBER << 3) | VARINT -> f.type = in.readEnum();
        case (RaftMessage.TERM_FIELD_NUMBER << 3) | VARINT -> f.term = in.readInt64();
        case (RaftMessage.LOG_TERM_FIELD_NUMBER << 3) | VARINT -> f.logTerm = in.readInt64();
        case (RaftMessage.INDEX_FIELD_NUMBER << 3) | VARINT -> f.index = in.readInt64();
        case (RaftMessage.COMMIT_FIELD_NUMBER << 3) | VARINT -> f.commit = in.readInt64();
        case (RaftMessage.REJECT_FIELD_NUMBER << 3) | VARINT -> f.reject = in.readBool();
        case (RaftMessage.REJECT_HINT_FIELD_NUMBER << 3) | VARINT -> f.rejectHint = in.readInt64();
        case (RaftMessage.CONTEXT_FIELD_NUMBER << 3) | LENGTH_DELIMITED ->
            f.context = in.readByteArray();
        case (RaftMessage.ENTRIES_FIELD_NUMBER << 3) | LENGTH_DELIMITED -> {
          int limit = in.pushLimit(in.readRawVarint32());
          try {
            f.entries.add(readEntry(in));
          } catch (IllegalArgumentException e) {
            f.unreadable = e.getMessage();
          }
          endOfEmbedded(in, limit);
        }
        case (RaftMessage.SNAPSHOT_FIELD_NUMBER << 3) | LENGTH_DELIMITED -> {
          try {
            RaftSnapshotMeta s = RaftSnapshotMeta.parseFrom(in.readBytes());
            f.snapshot = new Snapshot(s.getIndex(), s.getTerm(), decode(s.getConf()), null);
          } catch (InvalidProtocolBufferException e) {
            f.unreadable = "unreadable snapshot metadata: " + e.getMessage();
          }
        }
        default -> {
          if (!in.skipField(tag)) {
            break fields;
          }
        }
      }
    }
    return f.toEnvelope();
  }

  /** A message's fields as read so far; proto3 fields not on the wire hold their defaults. */
  private static final class Fields {
    long group;
    long from;
    long to;
    int type;
    long term;
    long logTerm;
    long index;
    long commit;
    boolean reject;
    long rejectHint;
    byte[] context = new byte[0];
    final List<Entry> entries = new ArrayList<>(1);
    Snapshot snapshot;

    /**
     * Why a part of the message (an entry, the snapshot metadata) did not decode, if one did not.
     */
    String unreadable;

    Envelope toEnvelope() {
      if (unreadable != null) {
        throw new IllegalArgumentException(unreadable);
      }
      RaftMessageType wire = RaftMessageType.forNumber(type);
      MessageType t = decode(wire == null ? RaftMessageType.UNRECOGNIZED : wire);
      if (t == MessageType.SNAP && snapshot == null) {
        throw new IllegalArgumentException("snapshot message without snapshot metadata");
      }
      if (from == 0) {
        throw new IllegalArgumentException("message without a sender: " + t);
      }
      if (t == MessageType.APP) {
        checkAppendContinuesLog();
      }
      Message m =
          new Message(
              t,
              from,
              to,
              term,
              logTerm,
              index,
              entries,
              commit,
              reject,
              rejectHint,
              snapshot,
              context);
      return new Envelope(group, m);
    }

    /**
     * An append's entries continue the log after ({@code index}, {@code logTerm}): numbered
     * index+1, index+2, ..., their terms never falling, from logTerm up to the message's own term.
     * The Raft core takes that on trust from a leader, which builds them so; from the wire, one
     * append breaking it would stop the host (entries before their index) or leave a hole in the
     * log (entries skipping one).
     */
    private void checkAppendContinuesLog() {
      if (index < 0 || logTerm < 0 || index > Long.MAX_VALUE - entries.size()) {
        throw new IllegalArgumentException(
            "append after index " + index + " of term " + logTerm + ": no such log position");
      }
      long expected = index + 1;
      long previousTerm = logTerm;
      for (Entry e : entries) {
        if (e.index() != expected) {
          throw new IllegalArgumentException(
              "append after index "
                  + index
                  + ": entry "
                  + e.index()
                  + " where "
                  + expected
                  + " belongs");
        }
        if (e.term() < previousTerm || e.term() > term) {
          throw new IllegalArgumentException(
              "append of term "
                  + term
                  + " after log term "
                  + logTerm
                  + ": entry "
                  + e.index()
                  + " has term "
                  + e.term());
        }
        previousTerm = e.term();
        expected++;
      }
    }
  }

  private static Entry readEntry(CodedInputStream in) throws IOException {
    long term = 0;
    long index = 0;
    int type = 0;
    byte[] data = new byte[0];
    fields:
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (RaftEntry.TERM_FIELD_NUMBER << 3) | VARINT -> term = in.readInt64();
        case (RaftEntry.INDEX_FIELD_NUMBER << 3) | VARINT -> index = in.readInt64();
        case (RaftEntry.TYPE_FIELD_NUMBER << 3) | VARINT -> type = in.readEnum();
        case (RaftEntry.DATA_FIELD_NUMBER << 3) | LENGTH_DELIMITED -> data = in.readByteArray();
        default -> {
          if (!in.skipField(tag)) {
            break fields;
          }
        }
      }
    }
    EntryType t;
    if (type == io.rangedb.wire.proto.EntryType.ENTRY_NORMAL_VALUE) {
      t = EntryType.NORMAL;
    } else if (type == io.rangedb.wire.proto.EntryType.ENTRY_CONF_CHANGE_VALUE) {
      t = EntryType.CONF_CHANGE;
    } else {
      throw new IllegalArgumentException("unknown entry type " + type);
    }
    return new Entry(term, index, t, data);
  }

  private static int entrySize(Entry e) {
    return int64Size(RaftEntry.TERM_FIELD_NUMBER, e.term())
        + int64Size(RaftEntry.INDEX_FIELD_NUMBER, e.index())
        + CodedOutputStream.computeEnumSize(RaftEntry.TYPE_FIELD_NUMBER, entryType(e))
        + bytesSize(RaftEntry.DATA_FIELD_NUMBER, e.data());
  }

  private static int entryType(Entry e) {
    return e.type() == EntryType.NORMAL
        ? io.rangedb.wire.proto.EntryType.ENTRY_NORMAL_VALUE
        : io.rangedb.wire.proto.EntryType.ENTRY_CONF_CHANGE_VALUE;
  }

  // ------------------------------------------------------------------ snapshot chunks

  static io.rangedb.wire.proto.SnapshotChunk encode(SnapshotChunk c, long fromNode) {
    var b =
        io.rangedb.wire.proto.SnapshotChunk.newBuilder()
            .setOffset(c.offset())
            .setData(ByteString.copyFrom(c.data()))
            .setLast(c.last());
    if (c.header() != null) {
      b.setHeader(toProto(new Envelope(c.groupId(), c.header()))).setFromNode(fromNode);
    }
    return b.build();
  }

  static SnapshotChunk decode(io.rangedb.wire.proto.SnapshotChunk p, long groupId) {
    Message header = p.hasHeader() ? fromProto(p.getHeader()).message() : null;
    if (p.getOffset() < 0) {
      throw new IllegalArgumentException("negative snapshot chunk offset " + p.getOffset());
    }
    return new SnapshotChunk(
        groupId, header, p.getOffset(), p.getData().toByteArray(), p.getLast());
  }

  private static RaftSnapshotMeta snapshotMeta(Snapshot s) {
    return RaftSnapshotMeta.newBuilder()
        .setIndex(s.index())
        .setTerm(s.term())
        .setConf(encode(s.conf()))
        .build();
  }

  private static RaftConfState encode(ConfState c) {
    // Sorted, so that one membership always encodes to the same bytes.
    return RaftConfState.newBuilder()
        .addAllVoters(new TreeSet<>(c.voters()))
        .addAllVotersOutgoing(new TreeSet<>(c.votersOutgoing()))
        .addAllLearners(new TreeSet<>(c.learners()))
        .addAllLearnersNext(new TreeSet<>(c.learnersNext()))
        .setAutoLeave(c.autoLeave())
        .build();
  }

  private static ConfState decode(RaftConfState c) {
    return new ConfState(
        Set.copyOf(new HashSet<>(c.getVotersList())),
        Set.copyOf(new HashSet<>(c.getVotersOutgoingList())),
        Set.copyOf(new HashSet<>(c.getLearnersList())),
        Set.copyOf(new HashSet<>(c.getLearnersNextList())),
        c.getAutoLeave());
  }

  // ------------------------------------------------------------------ wire format

  private static int tag(int field, int wireType) {
    return (field << 3) | wireType;
  }

  /** proto3 leaves fields at their default value out. */
  private static int int64Size(int field, long v) {
    return v == 0 ? 0 : CodedOutputStream.computeInt64Size(field, v);
  }

  private static int enumSize(int field, int v) {
    return v == 0 ? 0 : CodedOutputStream.computeEnumSize(field, v);
  }

  private static int bytesSize(int field, byte[] v) {
    return v.length == 0 ? 0 : CodedOutputStream.computeByteArraySize(field, v);
  }

  private static int delimitedSize(int field, int length) {
    return CodedOutputStream.computeTagSize(field)
        + CodedOutputStream.computeUInt32SizeNoTag(length)
        + length;
  }

  private static void writeInt64(CodedOutputStream o, int field, long v) throws IOException {
    if (v != 0) {
      o.writeInt64(field, v);
    }
  }

  private static RaftMessageType encode(MessageType t) {
    return switch (t) {
      case PRE_VOTE -> RaftMessageType.MSG_PRE_VOTE;
      case PRE_VOTE_RESP -> RaftMessageType.MSG_PRE_VOTE_RESP;
      case VOTE -> RaftMessageType.MSG_VOTE;
      case VOTE_RESP -> RaftMessageType.MSG_VOTE_RESP;
      case APP -> RaftMessageType.MSG_APP;
      case APP_RESP -> RaftMessageType.MSG_APP_RESP;
      case HEARTBEAT -> RaftMessageType.MSG_HEARTBEAT;
      case HEARTBEAT_RESP -> RaftMessageType.MSG_HEARTBEAT_RESP;
      case SNAP -> RaftMessageType.MSG_SNAP;
      case TIMEOUT_NOW -> RaftMessageType.MSG_TIMEOUT_NOW;
      case PROP -> RaftMessageType.MSG_PROP;
      case READ_INDEX -> RaftMessageType.MSG_READ_INDEX;
      case READ_INDEX_RESP -> RaftMessageType.MSG_READ_INDEX_RESP;
      case TRANSFER_LEADER -> RaftMessageType.MSG_TRANSFER_LEADER;
    };
  }

  private static MessageType decode(RaftMessageType t) {
    return switch (t) {
      case MSG_PRE_VOTE -> MessageType.PRE_VOTE;
      case MSG_PRE_VOTE_RESP -> MessageType.PRE_VOTE_RESP;
      case MSG_VOTE -> MessageType.VOTE;
      case MSG_VOTE_RESP -> MessageType.VOTE_RESP;
      case MSG_APP -> MessageType.APP;
      case MSG_APP_RESP -> MessageType.APP_RESP;
      case MSG_HEARTBEAT -> MessageType.HEARTBEAT;
      case MSG_HEARTBEAT_RESP -> MessageType.HEARTBEAT_RESP;
      case MSG_SNAP -> MessageType.SNAP;
      case MSG_TIMEOUT_NOW -> MessageType.TIMEOUT_NOW;
      case MSG_PROP -> MessageType.PROP;
      case MSG_READ_INDEX -> MessageType.READ_INDEX;
      case MSG_READ_INDEX_RESP -> MessageType.READ_INDEX_RESP;
      case MSG_TRANSFER_LEADER -> MessageType.TRANSFER_LEADER;
      case MSG_UNSPECIFIED, UNRECOGNIZED ->
          throw new IllegalArgumentException("unknown Raft message type " + t);
    };
  }
}
