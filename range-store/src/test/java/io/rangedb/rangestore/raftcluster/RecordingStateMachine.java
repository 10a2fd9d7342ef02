package io.rangedb.rangestore.raftcluster;

import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.host.RaftHost;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
  private final AtomicLong restores = new AtomicLong();
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
  public byte[] snapshot(long groupId) {
    List<String> list = applied(groupId);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(list.size());
      for (String command : list) {
        out.writeUTF(command);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Override
  public void restore(long groupId, Snapshot snapshot) {
    restores.incrementAndGet();
    List<String> list = new ArrayList<>();
    if (snapshot.data().length > 0) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot.data()))) {
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
          list.add(in.readUTF());
        }
      } catch (IOException e) {
        failure = "group " + groupId + ": unreadable snapshot " + snapshot + ": " + e;
        return;
      }
    }
    applied.put(groupId, list);
  }

  /** Snapshots this state machine was rebuilt from. */
  long restores() {
    return restores.get();
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
