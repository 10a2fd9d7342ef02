package io.rangedb.rangestore.raftlog;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.HardState;
import io.rangedb.raft.LostLog;
import io.rangedb.raft.Snapshot;
import io.rangedb.rangestore.storage.StoreCorruptedException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * Binary forms of what the Raft log column family holds. Each value starts with a format version
 * byte, so a later format can read an older one; anything unreadable is reported as corruption,
 * never guessed at.
 */
final class RaftLogCodec {
  private static final byte VERSION = 1;

  private RaftLogCodec() {}

  /** The index and term below the first entry still in the log. */
  record Truncated(long index, long term) {}

  static byte[] hardState(HardState hs) {
    return ByteBuffer.allocate(25)
        .put(VERSION)
        .putLong(hs.term())
        .putLong(hs.vote())
        .putLong(hs.commit())
        .array();
  }

  static HardState hardState(byte[] v, String where) {
    ByteBuffer b = open(v, where);
    try {
      return new HardState(b.getLong(), b.getLong(), b.getLong());
    } catch (BufferUnderflowException e) {
      throw corrupt(where, e);
    }
  }

  static byte[] entry(Entry e) {
    return ByteBuffer.allocate(10 + e.data().length)
        .put(VERSION)
        .putLong(e.term())
        .put((byte) e.type().ordinal())
        .put(e.data())
        .array();
  }

  static Entry entry(long index, byte[] v, String where) {
    ByteBuffer b = open(v, where);
    try {
      long term = b.getLong();
      int type = b.get();
      if (type < 0 || type >= EntryType.values().length) {
        throw new StoreCorruptedException(where + ": unknown entry type " + type, null);
      }
      byte[] data = new byte[b.remaining()];
      b.get(data);
      return new Entry(term, index, EntryType.values()[type], data);
    } catch (BufferUnderflowException e) {
      throw corrupt(where, e);
    }
  }

  /** The term of an encoded entry without copying its data. */
  static long entryTerm(byte[] v, String where) {
    ByteBuffer b = open(v, where);
    try {
      return b.getLong();
    } catch (BufferUnderflowException e) {
      throw corrupt(where, e);
    }
  }

  static byte[] truncated(Truncated t) {
    return ByteBuffer.allocate(17).put(VERSION).putLong(t.index()).putLong(t.term()).array();
  }

  static Truncated truncated(byte[] v, String where) {
    ByteBuffer b = open(v, where);
    try {
      return new Truncated(b.getLong(), b.getLong());
    } catch (BufferUnderflowException e) {
      throw corrupt(where, e);
    }
  }

  static byte[] lostLog(LostLog l) {
    return ByteBuffer.allocate(17).put(VERSION).putLong(l.index()).putLong(l.term()).array();
  }

  static LostLog lostLog(byte[] v, String where) {
    ByteBuffer b = open(v, where);
    try {
      return new LostLog(b.getLong(), b.getLong());
    } catch (BufferUnderflowException e) {
      throw corrupt(where, e);
    }
  }

  static byte[] snapshot(Snapshot s) {
    ConfState c = s.conf();
    int ids =
        c.voters().size()
            + c.votersOutgoing().size()
            + c.learners().size()
            + c.learnersNext().size();
    ByteBuffer b = ByteBuffer.allocate(1 + 16 + 1 + 16 + 8 * ids + 4 + s.data().length);
    b.put(VERSION).putLong(s.index()).putLong(s.term()).put((byte) (c.autoLeave() ? 1 : 0));
    for (Set<Long> set :
        new Set[] {c.voters(), c.votersOutgoing(), c.learners(), c.learnersNext()}) {
      b.putInt(set.size());
      for (long id : set) {
        b.putLong(id);
      }
    }
    b.putInt(s.data().length).put(s.data());
    return b.array();
  }

  static Snapshot snapshot(byte[] v, String where) {
    ByteBuffer b = open(v, where);
    try {
      long index = b.getLong();
      long term = b.getLong();
      boolean autoLeave = b.get() == 1;
      Set<Long> voters = ids(b, where);
      Set<Long> outgoing = ids(b, where);
      Set<Long> learners = ids(b, where);
      Set<Long> learnersNext = ids(b, where);
      int len = b.getInt();
      if (len < 0 || len != b.remaining()) {
        throw new StoreCorruptedException(
            where + ": snapshot data length " + len + " is wrong", null);
      }
      byte[] data = new byte[len];
      b.get(data);
      return new Snapshot(
          index, term, new ConfState(voters, outgoing, learners, learnersNext, autoLeave), data);
    } catch (BufferUnderflowException e) {
      throw corrupt(where, e);
    }
  }

  private static Set<Long> ids(ByteBuffer b, String where) {
    int n = b.getInt();
    if (n < 0 || n > b.remaining() / 8) {
      throw new StoreCorruptedException(where + ": member count " + n + " is wrong", null);
    }
    Set<Long> out = new HashSet<>();
    for (int i = 0; i < n; i++) {
      out.add(b.getLong());
    }
    return out;
  }

  private static ByteBuffer open(byte[] v, String where) {
    if (v.length == 0 || v[0] != VERSION) {
      throw new StoreCorruptedException(
          where + ": unknown Raft log record format " + (v.length == 0 ? "(empty)" : v[0]), null);
    }
    return ByteBuffer.wrap(v, 1, v.length - 1);
  }

  private static StoreCorruptedException corrupt(String where, RuntimeException cause) {
    return new StoreCorruptedException(where + ": truncated Raft log record", cause);
  }
}
