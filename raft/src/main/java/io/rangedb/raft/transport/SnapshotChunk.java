package io.rangedb.raft.transport;

import io.rangedb.raft.Message;

/**
 * One piece of a streamed snapshot. The first chunk carries the SNAP message with the snapshot's
 * metadata but no data; every chunk carries the next {@code data} bytes at {@code offset}.
 */
public record SnapshotChunk(long groupId, Message header, long offset, byte[] data, boolean last) {}
