package io.rangedb.rangestore.raftnet;

/** Where each node's gRPC server listens; node liveness and gossip will provide it later. */
@FunctionalInterface
public interface PeerAddresses {
  /**
   * The {@code host:port} of {@code node}, or null if unknown (messages to it are dropped, which
   * Raft tolerates, until it becomes known).
   */
  String addressOf(long node);
}
