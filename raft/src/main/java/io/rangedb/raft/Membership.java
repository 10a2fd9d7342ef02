package io.rangedb.raft;

import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration the tracker counts with: incoming voters, outgoing voters (non-empty only in a
 * joint configuration), learners, and learnersNext (voters of the outgoing half that become
 * learners when the joint configuration is left). A node is in at most one of voters-or-outgoing
 * and learners; learnersNext is always a subset of outgoing.
 */
final class Membership {
  final TreeSet<Long> incoming = new TreeSet<>();
  final TreeSet<Long> outgoing = new TreeSet<>();
  final TreeSet<Long> learners = new TreeSet<>();
  final TreeSet<Long> learnersNext = new TreeSet<>();
  boolean autoLeave;

  static Membership of(ConfState cs) {
    Membership m = new Membership();
    m.incoming.addAll(cs.voters());
    m.outgoing.addAll(cs.votersOutgoing());
    m.learners.addAll(cs.learners());
    m.learnersNext.addAll(cs.learnersNext());
    m.autoLeave = cs.autoLeave();
    return m;
  }

  Membership copy() {
    Membership m = new Membership();
    m.incoming.addAll(incoming);
    m.outgoing.addAll(outgoing);
    m.learners.addAll(learners);
    m.learnersNext.addAll(learnersNext);
    m.autoLeave = autoLeave;
    return m;
  }

  boolean isJoint() {
    return !outgoing.isEmpty();
  }

  boolean isVoter(long id) {
    return incoming.contains(id) || outgoing.contains(id);
  }

  Set<Long> allVoters() {
    TreeSet<Long> s = new TreeSet<>(incoming);
    s.addAll(outgoing);
    return s;
  }

  /** Everybody the leader replicates to. */
  Set<Long> allMembers() {
    TreeSet<Long> s = new TreeSet<>(incoming);
    s.addAll(outgoing);
    s.addAll(learners);
    s.addAll(learnersNext);
    return s;
  }

  ConfState toConfState() {
    return new ConfState(incoming, outgoing, learners, learnersNext, autoLeave);
  }

  @Override
  public String toString() {
    return toConfState().toString();
  }
}
