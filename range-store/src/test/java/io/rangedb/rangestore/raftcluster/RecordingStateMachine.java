package io.rangedb.rangestore.raftcluster;

import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.host.RaftHost;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A state machine that remembers every command it applied, per group, in order; or, for benchmarks,
 * only counts them, so that its own cost stays out of the figures.
 */
final class RecordingStateMachine implements RaftHost.StateMachine {
  private final boolean remember;
  private final Map<Long, List<String>> applied = new ConcurrentHashMap<>();
  private final AtomicLong commands = new AtomicLong();
  private volatile String failure;

  RecordingStateMachine(boolean remember) {
    this.remember = remember;
  }

  @Override
  public void apply(long groupId, Entry entry) {
    if (entry.type() != EntryType.NORMAL || entry.data().length == 0) {
      return; // a leader's no-op or a membership change
    }
    commands.incrementAndGet();
    if (!remember) {
      return;
    }
    List<String> list = applied.computeIfAbsent(groupId, g -> new ArrayList<>());
    synchronized (list) {
      list.add(new String(entry.data(), StandardCharsets.UTF_8));
    }
  }

  @Override
  public void restore(long groupId, Snapshot snapshot) {
    // These tests never compact, so nobody should need a snapshot.
    failure = "unexpected snapshot for group " + groupId + ": " + snapshot;
  }

  List<String> applied(long groupId) {
    List<String> list = applied.get(groupId);
    if (list == null) {
      return List.of();
    }
    synchronized (list) {
      return List.copyOf(list);
    }
  }

  long commands() {
    return commands.get();
  }

  String failure() {
    return failure;
  }
}
