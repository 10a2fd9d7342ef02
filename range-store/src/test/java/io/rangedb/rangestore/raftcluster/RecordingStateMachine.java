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
 * A state machine that remembers every command it applied, per group, in order, with its log index;
 * or, for benchmarks, only counts them, so that its own cost stays out of the figures.
 */
final class RecordingStateMachine implements RaftHost.StateMachine {
  private final boolean remember;
  private final Map<Long, List<Applied>> applied = new ConcurrentHashMap<>();
  private final AtomicLong commands = new AtomicLong();
  private final AtomicLong restores = new AtomicLong();
  private volatile String failure;

  /** A command and the log index it was applied at. */
  record Applied(long index, String command) {}

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
    List<Applied> list = applied.computeIfAbsent(groupId, g -> new ArrayList<>());
    synchronized (list) {
      list.add(new Applied(entry.index(), new String(entry.data(), StandardCharsets.UTF_8)));
    }
  }

  @Override
  public byte[] snapshot(long groupId) {
    List<Applied> list = appliedWithIndexes(groupId);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(list.size());
      for (Applied a : list) {
        out.writeLong(a.index());
        out.writeUTF(a.command());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Override
  public void restore(long groupId, Snapshot snapshot) {
    restores.incrementAndGet();
    List<Applied> list = new ArrayList<>();
    if (snapshot.data().length > 0) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot.data()))) {
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
          long index = in.readLong();
          list.add(new Applied(index, in.readUTF()));
        }
      } catch (IOException e) {
        failure = "group " + groupId + ": unreadable snapshot " + snapshot + ": " + e;
        return;
      }
    }
    applied.put(groupId, list);
  }

  /** Replaces what {@code groupId} has applied with a snapshot's records (a restore). */
  void restored(long groupId, List<Applied> list) {
    restores.incrementAndGet();
    replace(groupId, list);
  }

  /** Sets what {@code groupId} has applied, as a store that kept it says. */
  void replace(long groupId, List<Applied> list) {
    applied.put(groupId, new ArrayList<>(list));
  }

  /** Snapshots this state machine was rebuilt from. */
  long restores() {
    return restores.get();
  }

  List<String> applied(long groupId) {
    return appliedWithIndexes(groupId).stream().map(Applied::command).toList();
  }

  /** The commands applied to {@code groupId}, in order, with their log indexes. */
  List<Applied> appliedWithIndexes(long groupId) {
    List<Applied> list = applied.get(groupId);
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
