package io.rangedb.rangestore.raftnet;

import com.google.protobuf.ByteString;
import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.wire.proto.RaftConfState;
import io.rangedb.wire.proto.RaftEntry;
import io.rangedb.wire.proto.RaftMessage;
import io.rangedb.wire.proto.RaftMessageBatch;
import io.rangedb.wire.proto.RaftMessageType;
import io.rangedb.wire.proto.RaftSnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Raft messages in their generated protobuf form, built field by field with the generated builders,
 * independently of {@link RaftMessageCodec}, and read back the same way: the codec's tests compare
 * against it, and its benchmark measures the generated path beside the codec.
 */
final class GeneratedRaftMessages {
  private GeneratedRaftMessages() {}

  /**
   * A message read from its generated form field by field (the conversion the transport did before
   * {@link RaftMessageCodec} read the wire format itself; for the benchmark, without validation).
   */
  static Envelope envelope(RaftMessage p) {
    List<Entry> entries = new ArrayList<>(p.getEntriesCount());
    for (RaftEntry e : p.getEntriesList()) {
      entries.add(
          new Entry(
              e.getTerm(),
              e.getIndex(),
              e.getType() == io.rangedb.wire.proto.EntryType.ENTRY_CONF_CHANGE
                  ? EntryType.CONF_CHANGE
                  : EntryType.NORMAL,
              e.getData().toByteArray()));
    }
    Message m =
        Message.builder(MessageType.valueOf(p.getType().name().substring("MSG_".length())))
            .from(p.getFrom())
            .to(p.getTo())
            .term(p.getTerm())
            .logTerm(p.getLogTerm())
            .index(p.getIndex())
            .entries(entries)
            .commit(p.getCommit())
            .reject(p.getReject())
            .rejectHint(p.getRejectHint())
            .context(p.getContext().toByteArray())
            .build();
    return new Envelope(p.getGroupId(), m);
  }

  static RaftMessageBatch of(long from, long to, List<Envelope> msgs) {
    RaftMessageBatch.Builder b = RaftMessageBatch.newBuilder().setFromNode(from).setToNode(to);
    msgs.forEach(m -> b.addMessages(of(m)));
    return b.build();
  }

  static RaftMessage of(Envelope env) {
    Message m = env.message();
    RaftMessage.Builder b =
        RaftMessage.newBuilder()
            .setGroupId(env.groupId())
            .setFrom(m.from())
            .setTo(m.to())
            .setType(RaftMessageType.valueOf("MSG_" + m.type().name()))
            .setTerm(m.term())
            .setLogTerm(m.logTerm())
            .setIndex(m.index())
            .setCommit(m.commit())
            .setReject(m.reject())
            .setRejectHint(m.rejectHint())
            .setContext(ByteString.copyFrom(m.context()));
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
      ConfState c = m.snapshot().conf();
      b.setSnapshot(
          RaftSnapshotMeta.newBuilder()
              .setIndex(m.snapshot().index())
              .setTerm(m.snapshot().term())
              .setConf(
                  RaftConfState.newBuilder()
                      .addAllVoters(new TreeSet<>(c.voters()))
                      .addAllVotersOutgoing(new TreeSet<>(c.votersOutgoing()))
                      .addAllLearners(new TreeSet<>(c.learners()))
                      .addAllLearnersNext(new TreeSet<>(c.learnersNext()))
                      .setAutoLeave(c.autoLeave())));
    }
    return b.build();
  }
}
