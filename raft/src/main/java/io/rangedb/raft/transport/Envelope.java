package io.rangedb.raft.transport;

import io.rangedb.raft.Message;

/** A message of one group, as carried between nodes (replica ids are node ids within a group). */
public record Envelope(long groupId, Message message) {}
