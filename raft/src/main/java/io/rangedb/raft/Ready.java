package io.rangedb.raft;

import java.util.List;

/**
 * Everything the host must do for one group, in this order:
 *
 * <ol>
 *   <li>send {@link #messages()} (they may leave before the persistence below: only a leader's
 *       replication traffic is put here, and the leader counts itself only once it is durable);
 *   <li>make {@link #hardState()} (if not null), {@link #entries()} and {@link #snapshot()} (if not
 *       null) durable, for example with {@link LogStorage#stage} and one synced {@link LogBatch};
 *   <li>then send {@link #messagesAfterPersist()}: votes and acknowledgements promise what step 2
 *       wrote, so they must not leave earlier;
 *   <li>install the snapshot into the state machine, apply {@link #committedEntries()} in order,
 *       and serve {@link #readStates()} once their index is applied;
 *   <li>call {@link RawNode#advance(Ready)}.
 * </ol>
 *
 * Committed entries are always durable by the end of step 2, so applying them after it is safe.
 */
/**
 * @param mustSync whether step 2 must be fsynced: there are entries or a snapshot, or the term or
 *     vote changed. A changed commit index alone need not be (etcd's MustSync rule): a replica that
 *     loses it in a crash learns it again from the leader, and nothing it promised depends on it.
 */
public record Ready(
    SoftState softState,
    HardState hardState,
    List<Entry> entries,
    Snapshot snapshot,
    List<Entry> committedEntries,
    List<Message> messages,
    List<Message> messagesAfterPersist,
    List<ReadState> readStates,
    boolean mustSync) {

  /** Whether step 2 has anything to write. */
  public boolean mustPersist() {
    return hardState != null || !entries.isEmpty() || snapshot != null;
  }
}
