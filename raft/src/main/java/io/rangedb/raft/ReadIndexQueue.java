package io.rangedb.raft;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * Read-index requests waiting for a quorum to confirm, by heartbeat, that the leader was still
 * leader when they arrived. Requests are released in arrival order: a later request's confirmation
 * confirms every earlier one too.
 */
final class ReadIndexQueue {
  /** One pending request: who asked, with what id, and the commit index when it arrived. */
  record Pending(long from, byte[] context, long index, Set<Long> acks) {}

  private final LinkedHashMap<ByteBuffer, Pending> pending = new LinkedHashMap<>();

  void add(long index, long from, byte[] context) {
    ByteBuffer key = ByteBuffer.wrap(context);
    pending.putIfAbsent(key, new Pending(from, context, index, new HashSet<>()));
  }

  /** Records an ack and returns the acks so far for that request, or null if it is unknown. */
  Set<Long> ack(long from, byte[] context) {
    Pending p = pending.get(ByteBuffer.wrap(context));
    if (p == null) {
      return null;
    }
    p.acks().add(from);
    return p.acks();
  }

  /** Removes and returns every request up to and including the one with {@code context}. */
  List<Pending> releaseThrough(byte[] context) {
    ByteBuffer key = ByteBuffer.wrap(context);
    if (!pending.containsKey(key)) {
      return List.of();
    }
    List<Pending> out = new ArrayList<>();
    Iterator<java.util.Map.Entry<ByteBuffer, Pending>> it = pending.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      out.add(e.getValue());
      it.remove();
      if (e.getKey().equals(key)) {
        break;
      }
    }
    return out;
  }

  /** The context of the newest request, to piggyback on a heartbeat, or null. */
  byte[] lastContext() {
    byte[] last = null;
    for (Pending p : pending.values()) {
      last = p.context();
    }
    return last;
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  void clear() {
    pending.clear();
  }
}
