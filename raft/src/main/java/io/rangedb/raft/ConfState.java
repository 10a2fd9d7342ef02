package io.rangedb.raft;

import java.util.Set;
import java.util.TreeSet;

/**
 * A membership configuration as stored in snapshots. Outside of a joint configuration {@code
 * votersOutgoing} and {@code learnersNext} are empty. {@code learnersNext} holds voters being
 * demoted to learners: they stay voters of the outgoing half until the joint state is left.
 */
public record ConfState(
    Set<Long> voters,
    Set<Long> votersOutgoing,
    Set<Long> learners,
    Set<Long> learnersNext,
    boolean autoLeave) {
  public static final ConfState EMPTY =
      new ConfState(Set.of(), Set.of(), Set.of(), Set.of(), false);

  public ConfState {
    // Sorted, immutable copies so that equality and printing are stable.
    voters = sorted(voters);
    votersOutgoing = sorted(votersOutgoing);
    learners = sorted(learners);
    learnersNext = sorted(learnersNext);
  }

  public static ConfState ofVoters(Long... ids) {
    return new ConfState(Set.of(ids), Set.of(), Set.of(), Set.of(), false);
  }

  public boolean isJoint() {
    return !votersOutgoing.isEmpty();
  }

  private static Set<Long> sorted(Set<Long> s) {
    return java.util.Collections.unmodifiableSet(new TreeSet<>(s == null ? Set.of() : s));
  }
}
