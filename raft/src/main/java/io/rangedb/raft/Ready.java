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
 *
 * @param hardState a new term or vote to write, or null if neither changed; a changed commit index
 *     alone is not written (see {@link LogStorage#hardState()})
 */
public record Ready(
    SoftState softState,
    HardState hardState,
    List<Entry> entries,
    Snapshot snapshot,
    List<Entry> committedEntries,
    List<Message> messages,
    List<Message> messagesAfterPersist,
    List<ReadState> readStates) {

  /** Whether step 2 has anything to write; whatever it writes must be fsynced before step 3. */
  public boolean mustPersist() {
    return hardState != null || !entries.isEmpty() || snapshot != null;
  }
}
