package io.rangedb.rangestore.raftnet;

import com.google.protobuf.ByteString;
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
import io.rangedb.wire.proto.RaftMessageType;
import io.rangedb.wire.proto.RaftSnapshotMeta;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Converts the raft module's message records to their protobuf form and back, at the edge of the
 * gRPC transport. A message from the wire that does not decode to a valid record is rejected with
 * {@link IllegalArgumentException}, never guessed at.
 */
final class RaftMessageCodec {
  private RaftMessageCodec() {}

  static RaftMessage encode(Envelope env) {
    Message m = env.message();
    RaftMessage.Builder b =
        RaftMessage.newBuilder()
            .setGroupId(env.groupId())
            .setFrom(m.from())
            .setTo(m.to())
            .setType(encode(m.type()))
            .setTerm(m.term())
            .setLogTerm(m.logTerm())
            .setIndex(m.index())
            .setCommit(m.commit())
            .setReject(m.reject())
            .setRejectHint(m.rejectHint());
    if (m.context().length > 0) {
      b.setContext(ByteString.copyFrom(m.context()));
    }
    for (Entry e : m.entries()) {
      b.addEntries(
          RaftEntry.newBuilder()
              .setTerm(e.term())
              .setIndex(e.index())
              .setType(
                  e.type() == EntryType.NORMAL
                      ? io.rangedb.wire.proto.EntryType.ENTRY_NORMAL
                      : io.rangedb.wire.proto.EntryType.ENTRY_CONF_CHANGE)
              .setData(ByteString.copyFrom(e.data())));
    }
    if (m.snapshot() != null) {
      Snapshot s = m.snapshot();
      b.setSnapshot(
          RaftSnapshotMeta.newBuilder()
              .setIndex(s.index())
              .setTerm(s.term())
              .setConf(encode(s.conf())));
    }
    return b.build();
  }

  /** Decodes a message; a snapshot's data is empty here (it travels in chunks). */
  static Envelope decode(RaftMessage p) {
    List<Entry> entries = new ArrayList<>(p.getEntriesCount());
    for (RaftEntry e : p.getEntriesList()) {
      EntryType type =
          switch (e.getType()) {
            case ENTRY_NORMAL -> EntryType.NORMAL;
            case ENTRY_CONF_CHANGE -> EntryType.CONF_CHANGE;
            default -> throw new IllegalArgumentException("unknown entry type " + e.getTypeValue());
          };
      entries.add(new Entry(e.getTerm(), e.getIndex(), type, e.getData().toByteArray()));
    }
    Snapshot snapshot = null;
    if (p.hasSnapshot()) {
      RaftSnapshotMeta s = p.getSnapshot();
      snapshot = new Snapshot(s.getIndex(), s.getTerm(), decode(s.getConf()), null);
    }
    MessageType type = decode(p.getType());
    if (type == MessageType.SNAP && snapshot == null) {
      throw new IllegalArgumentException("snapshot message without snapshot metadata");
    }
    if (p.getFrom() == 0) {
      throw new IllegalArgumentException("message without a sender: " + type);
    }
    Message m =
        new Message(
            type,
            p.getFrom(),
            p.getTo(),
            p.getTerm(),
            p.getLogTerm(),
            p.getIndex(),
            entries,
            p.getCommit(),
            p.getReject(),
            p.getRejectHint(),
            snapshot,
            p.getContext().toByteArray());
    return new Envelope(p.getGroupId(), m);
  }

  static io.rangedb.wire.proto.SnapshotChunk encode(SnapshotChunk c, long fromNode) {
    var b =
        io.rangedb.wire.proto.SnapshotChunk.newBuilder()
            .setOffset(c.offset())
            .setData(ByteString.copyFrom(c.data()))
            .setLast(c.last());
    if (c.header() != null) {
      b.setHeader(encode(new Envelope(c.groupId(), c.header()))).setFromNode(fromNode);
    }
    return b.build();
  }

  static SnapshotChunk decode(io.rangedb.wire.proto.SnapshotChunk p, long groupId) {
    Message header = p.hasHeader() ? decode(p.getHeader()).message() : null;
    if (p.getOffset() < 0) {
      throw new IllegalArgumentException("negative snapshot chunk offset " + p.getOffset());
    }
    return new SnapshotChunk(
        groupId, header, p.getOffset(), p.getData().toByteArray(), p.getLast());
  }

  private static RaftConfState encode(ConfState c) {
    return RaftConfState.newBuilder()
        .addAllVoters(c.voters())
        .addAllVotersOutgoing(c.votersOutgoing())
        .addAllLearners(c.learners())
        .addAllLearnersNext(c.learnersNext())
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
