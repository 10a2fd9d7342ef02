package io.rangedb.rangestore.raftcluster;

import io.rangedb.raft.Entry;
import io.rangedb.raft.EntryType;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.host.RaftHost;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.rangestore.raftcluster.RecordingStateMachine.Applied;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.EngineIterator;
import io.rangedb.rangestore.storage.IterOptions;
import io.rangedb.rangestore.storage.StoreEngine;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link RecordingStateMachine} that keeps its record durably in the node's own store, as a range
 * replica keeps its data: each group's commands and its applied index in the {@code LOCAL} column
 * family, written unsynced, so that they reach the disk in order with the Raft log's writes (one
 * write-ahead log). A restarted node loads the record from the store and the host resumes after its
 * applied index, replaying nothing.
 *
 * <p>Keys: {@code "sm" + group (8 bytes) + index (8 bytes)}; index 0 holds the applied index.
 */
final class StoredRecordingStateMachine implements RaftHost.DurableStateMachine {
  private static final byte[] PREFIX = "sm".getBytes(StandardCharsets.UTF_8);

  private final RecordingStateMachine view;
  private final StoreEngine engine;
  private final Map<Long, Long> appliedIndexes = new ConcurrentHashMap<>();
  private final StoredImages images;

  /** Loads what the store holds into {@code view}, which must be empty. */
  StoredRecordingStateMachine(RecordingStateMachine view, StoreEngine engine) {
    this.view = view;
    this.engine = engine;
    this.images = new StoredImages(engine);
    Map<Long, List<Applied>> records = new java.util.TreeMap<>();
    byte[] end = PREFIX.clone();
    end[end.length - 1]++;
    try (EngineIterator it =
        engine.newIterator(ColumnFamily.LOCAL, IterOptions.bounded(PREFIX, end))) {
      for (it.seek(PREFIX); it.valid(); it.next()) {
        ByteBuffer k = ByteBuffer.wrap(it.key(), PREFIX.length, 16);
        long group = k.getLong();
        long index = k.getLong();
        if (index == 0) {
          appliedIndexes.put(group, ByteBuffer.wrap(it.value()).getLong());
        } else {
          records
              .computeIfAbsent(group, g -> new ArrayList<>())
              .add(new Applied(index, new String(it.value(), StandardCharsets.UTF_8)));
        }
      }
    }
    records.forEach(view::replace);
  }

  @Override
  public void apply(long groupId, Entry entry) {
    view.apply(groupId, entry);
    try (EngineBatch b = engine.newBatch()) {
      if (entry.type() == EntryType.NORMAL && entry.data().length > 0) {
        b.put(ColumnFamily.LOCAL, key(groupId, entry.index()), entry.data());
      }
      b.put(ColumnFamily.LOCAL, key(groupId, 0), longBytes(entry.index()));
      images.writeApplying(b, groupId, entry.index());
    }
    appliedIndexes.put(groupId, entry.index());
  }

  /**
   * Restores the image received for the snapshot's index (none at the founders' index 1), and drops
   * it and any older one, in one write.
   */
  @Override
  public void restore(long groupId, Snapshot snapshot) {
    List<Applied> list = new ArrayList<>();
    if (snapshot.index() > 1) {
      images.read(
          groupId,
          snapshot.index(),
          (index, command) ->
              list.add(new Applied(index, new String(command, StandardCharsets.UTF_8))));
    }
    try (EngineBatch b = engine.newBatch()) {
      b.deleteRange(ColumnFamily.LOCAL, key(groupId, 0), key(groupId + 1, 0));
      for (Applied a : list) {
        b.put(
            ColumnFamily.LOCAL,
            key(groupId, a.index()),
            a.command().getBytes(StandardCharsets.UTF_8));
      }
      b.put(ColumnFamily.LOCAL, key(groupId, 0), longBytes(snapshot.index()));
      images.writeDroppingThrough(b, groupId, snapshot.index());
    }
    view.restored(groupId, list);
    appliedIndexes.put(groupId, snapshot.index());
  }

  /** The group's records as of now, read from a storage snapshot as the transport streams them. */
  @Override
  public ImageSource takeImage(long groupId) {
    long size = 0;
    for (Applied a : view.appliedWithIndexes(groupId)) {
      size += 12 + a.command().getBytes(StandardCharsets.UTF_8).length;
    }
    return images.take(
        key(groupId, 1),
        key(groupId + 1, 0),
        size,
        (k, v) -> StoredImages.record(ByteBuffer.wrap(k, PREFIX.length + 8, 8).getLong(), v));
  }

  @Override
  public ImageSink receiveImage(long groupId, Snapshot snapshot) {
    return images.receive(groupId, snapshot.index());
  }

  @Override
  public boolean holdsImage(long groupId, long index) {
    return images.holds(groupId, index);
  }

  @Override
  public long appliedIndex(long groupId) {
    return appliedIndexes.getOrDefault(groupId, 0L);
  }

  @Override
  public void destroy(long groupId) {
    view.replace(groupId, List.of());
    try (EngineBatch b = engine.newBatch()) {
      b.deleteRange(ColumnFamily.LOCAL, key(groupId, 0), key(groupId + 1, 0));
      images.writeDroppingAll(b, groupId);
    }
    appliedIndexes.remove(groupId);
  }

  private static byte[] key(long group, long index) {
    return ByteBuffer.allocate(PREFIX.length + 16)
        .put(PREFIX)
        .putLong(group)
        .putLong(index)
        .array();
  }

  private static byte[] longBytes(long v) {
    return ByteBuffer.allocate(Long.BYTES).putLong(v).array();
  }
}
