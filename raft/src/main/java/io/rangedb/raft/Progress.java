package io.rangedb.raft;

/** The leader's view of one member's log: what matches, what to send next, and how. */
final class Progress {
  long match;
  long next;
  ProgressState state = ProgressState.PROBE;

  /** In PROBE: an APP was sent since the last heartbeat response; wait before probing again. */
  boolean probeSent;

  /** In SNAPSHOT: the index of the snapshot sent. */
  long pendingSnapshot;

  /** Heard from since the last check-quorum round (the leader itself always is). */
  boolean recentActive;

  /** Leader tick of the latest heartbeat this member acknowledged; the lease is built on it. */
  long ackedTick = Long.MIN_VALUE;

  boolean learner;
  final Inflights inflights;

  Progress(long next, int maxInflight, boolean learner) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
    this.learner = learner;
  }

  void becomeProbe() {
    // After a snapshot, resume right after it: the follower has at least that.
    if (state == ProgressState.SNAPSHOT) {
      long snap = pendingSnapshot;
      resetState(ProgressState.PROBE);
      next = Math.max(match + 1, snap + 1);
    } else {
      resetState(ProgressState.PROBE);
      next = match + 1;
    }
  }

  void becomeReplicate() {
    resetState(ProgressState.REPLICATE);
    next = match + 1;
  }

  void becomeSnapshot(long snapshotIndex) {
    resetState(ProgressState.SNAPSHOT);
    pendingSnapshot = snapshotIndex;
  }

  private void resetState(ProgressState s) {
    probeSent = false;
    pendingSnapshot = 0;
    state = s;
    inflights.reset();
  }

  /** Records an ack up to n; returns whether match moved. */
  boolean maybeUpdate(long n) {
    boolean updated = false;
    if (match < n) {
      match = n;
      updated = true;
      probeSent = false;
    }
    next = Math.max(next, n + 1);
    return updated;
  }

  /**
   * Handles a rejection of the APP whose previous index was {@code rejected}; {@code matchHint} is
   * where the follower's log may match. Returns false if the rejection is stale.
   */
  boolean maybeDecrTo(long rejected, long matchHint) {
    if (state == ProgressState.REPLICATE) {
      if (rejected <= match) {
        return false; // stale: that APP was already superseded
      }
      next = match + 1;
      return true;
    }
    if (next - 1 != rejected) {
      return false; // stale: not a reply to the latest probe
    }
    next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
    probeSent = false;
    return true;
  }

  /** Whether the leader should hold back APPs to this member for now. */
  boolean isPaused() {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflights.full();
      case SNAPSHOT -> true;
    };
  }

  /** Bookkeeping after sending entries up to {@code lastIndex} (or none). */
  void sentEntries(int count, long lastIndex) {
    switch (state) {
      case REPLICATE -> {
        if (count > 0) {
          next = lastIndex + 1;
          inflights.add(lastIndex);
        }
      }
      case PROBE -> probeSent = true;
      case SNAPSHOT -> throw new IllegalStateException("sending entries in snapshot state");
    }
  }

  @Override
  public String toString() {
    return state + " match=" + match + " next=" + next + (learner ? " learner" : "");
  }
}
