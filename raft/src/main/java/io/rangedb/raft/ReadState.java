package io.rangedb.raft;

/**
 * The answer to a read-index request: once the local state machine has applied {@code index}, a
 * read that was issued with {@code context} may be served from it linearizably.
 */
public record ReadState(long index, byte[] context) {}
