package io.rangedb.raft;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Majority arithmetic over a set of voters, and its joint form (both halves must agree). Learners
 * never appear in these sets: only voters are counted, for votes, commits, activity and leases.
 */
final class Quorum {
  private Quorum() {}

  /**
   * The largest value that a majority of {@code voters} has reached, e.g. the highest index a
   * majority has durably (values come from {@code valueOf}). An empty set does not constrain a
   * joint configuration, so it yields Long.MAX_VALUE.
   */
  static long majorityValue(Set<Long> voters, ToLongFunction<Long> valueOf) {
    if (voters.isEmpty()) {
      return Long.MAX_VALUE;
    }
    long[] values = new long[voters.size()];
    int i = 0;
    for (Long id : voters) {
      values[i++] = valueOf.applyAsLong(id);
    }
    Arrays.sort(values);
    // Sorted ascending: the element at n - (n/2 + 1) is reached by n/2 + 1 voters.
    return values[values.length - (values.length / 2 + 1)];
  }

  static long jointValue(Set<Long> incoming, Set<Long> outgoing, ToLongFunction<Long> valueOf) {
    return Math.min(majorityValue(incoming, valueOf), majorityValue(outgoing, valueOf));
  }

  /** Vote count of one majority config; votes maps voter to yes/no, missing means not yet. */
  static VoteResult majorityVote(Set<Long> voters, Map<Long, Boolean> votes) {
    if (voters.isEmpty()) {
      return VoteResult.WON;
    }
    int yes = 0;
    int missing = 0;
    for (Long id : voters) {
      Boolean v = votes.get(id);
      if (v == null) {
        missing++;
      } else if (v) {
        yes++;
      }
    }
    int q = voters.size() / 2 + 1;
    if (yes >= q) {
      return VoteResult.WON;
    }
    return yes + missing >= q ? VoteResult.PENDING : VoteResult.LOST;
  }

  static VoteResult jointVote(Set<Long> incoming, Set<Long> outgoing, Map<Long, Boolean> votes) {
    return both(majorityVote(incoming, votes), majorityVote(outgoing, votes));
  }

  /** The outcome of an election that must be won in two quorums. */
  static VoteResult both(VoteResult a, VoteResult b) {
    if (a == b) {
      return a;
    }
    if (a == VoteResult.LOST || b == VoteResult.LOST) {
      return VoteResult.LOST;
    }
    return VoteResult.PENDING;
  }
}
