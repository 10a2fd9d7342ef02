package io.rangedb.raft;

/** Volatile state the host may want to observe (not persisted): who leads and what we are. */
public record SoftState(long leader, Role role) {}
