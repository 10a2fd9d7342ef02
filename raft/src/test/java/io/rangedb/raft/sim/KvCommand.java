package io.rangedb.raft.sim;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A register write replicated through Raft: operation id, key, value. */
record KvCommand(long opId, String key, String value) {
  byte[] encode() {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(16 + k.length + v.length)
        .putLong(opId)
        .putInt(k.length)
        .put(k)
        .putInt(v.length)
        .put(v)
        .array();
  }

  static KvCommand decode(byte[] data) {
    ByteBuffer b = ByteBuffer.wrap(data);
    long id = b.getLong();
    byte[] k = new byte[b.getInt()];
    b.get(k);
    byte[] v = new byte[b.getInt()];
    b.get(v);
    return new KvCommand(
        id, new String(k, StandardCharsets.UTF_8), new String(v, StandardCharsets.UTF_8));
  }
}
