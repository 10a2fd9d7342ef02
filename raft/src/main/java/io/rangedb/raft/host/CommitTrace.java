package io.rangedb.raft.host;

/**
 * Where a log entry is on its way to being applied, reported by a {@link RaftHost} at each stage,
 * so that a benchmark or a tracing system can see where a commit's time goes. The host reports on
 * its loop, except {@link Stage#RECEIVED}, which comes from the transport's thread, and {@link
 * Stage#DURABLE}, which comes from the syncer as the fsync returns (just before the
 * acknowledgements leave): an implementation stamps the time itself, must be thread-safe and cheap,
 * and should sample (by group, say) under load. With {@link #NONE}, the default, the host only
 * tests a flag at each stage.
 */
public interface CommitTrace {
  /** The stages, in the order an entry passes them on its leader and on a follower. */
  enum Stage {
    /** The leader's loop stepped the proposal: the entry has its index. */
    PROPOSED,
    /** A follower's transport handed an append carrying the entry to the host. */
    RECEIVED,
    /** A follower's loop stepped that append. */
    STEPPED,
    /** The entry is in a batch this replica wrote, not yet synced. */
    WRITTEN,
    /** This replica's write of the entry is durable. */
    DURABLE,
    /** The leader stepped a follower's acknowledgement up to this entry ({@code peer}: which). */
    ACKNOWLEDGED,
    /** The entry was applied on this replica. */
    APPLIED
  }

  /** Reports nothing. */
  CommitTrace NONE = (groupId, index, stage, node, peer) -> {};

  /**
   * @param node the reporting host's node id
   * @param peer the acknowledging follower for {@link Stage#ACKNOWLEDGED}, otherwise 0
   */
  void at(long groupId, long index, Stage stage, long node, long peer);
}
