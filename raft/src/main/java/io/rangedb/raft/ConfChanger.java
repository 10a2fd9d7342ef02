package io.rangedb.raft;

import java.util.HashSet;
import java.util.Set;

/**
 * Computes the next configuration from the current one and a {@link ConfChange}, enforcing the
 * rules that keep any two quorums of consecutive configurations intersecting: a simple change
 * touches at most one voter; anything else goes through a joint configuration, from which only a
 * leave is allowed.
 */
final class ConfChanger {
  private ConfChanger() {}

  static Membership apply(Membership current, ConfChange cc) {
    if (cc.isLeaveJoint()) {
      return leaveJoint(current);
    }
    if (cc.entersJoint()) {
      return enterJoint(current, cc);
    }
    return simple(current, cc);
  }

  static Membership simple(Membership current, ConfChange cc) {
    if (current.isJoint()) {
      throw new IllegalArgumentException("cannot apply a simple change in a joint configuration");
    }
    Membership next = current.copy();
    applyChanges(next, cc);
    Set<Long> diff = new HashSet<>(current.incoming);
    diff.addAll(next.incoming);
    Set<Long> both = new HashSet<>(current.incoming);
    both.retainAll(next.incoming);
    diff.removeAll(both);
    if (diff.size() > 1) {
      throw new IllegalArgumentException("a simple change may touch at most one voter");
    }
    check(next);
    return next;
  }

  static Membership enterJoint(Membership current, ConfChange cc) {
    if (current.isJoint()) {
      throw new IllegalArgumentException("already in a joint configuration");
    }
    if (current.incoming.isEmpty()) {
      throw new IllegalArgumentException("cannot enter joint from an empty configuration");
    }
    Membership next = current.copy();
    next.outgoing.addAll(current.incoming);
    applyChanges(next, cc);
    next.autoLeave = cc.autoLeave();
    check(next);
    return next;
  }

  static Membership leaveJoint(Membership current) {
    if (!current.isJoint()) {
      throw new IllegalArgumentException("not in a joint configuration");
    }
    Membership next = current.copy();
    next.learners.addAll(next.learnersNext);
    next.learnersNext.clear();
    next.outgoing.clear();
    next.autoLeave = false;
    check(next);
    return next;
  }

  private static void applyChanges(Membership m, ConfChange cc) {
    for (ConfChange.Change c : cc.changes()) {
      long id = c.node();
      if (id <= 0) {
        throw new IllegalArgumentException("node ids are positive, not " + id);
      }
      switch (c.type()) {
        case ADD_VOTER -> {
          m.learners.remove(id);
          m.learnersNext.remove(id);
          m.incoming.add(id);
        }
        case ADD_LEARNER -> {
          m.incoming.remove(id);
          if (m.outgoing.contains(id)) {
            // Still a voter of the outgoing half: becomes a learner only when the joint ends.
            m.learnersNext.add(id);
          } else {
            m.learners.add(id);
          }
        }
        case REMOVE -> {
          m.incoming.remove(id);
          m.learners.remove(id);
          m.learnersNext.remove(id);
        }
      }
    }
  }

  private static void check(Membership m) {
    if (m.incoming.isEmpty()) {
      throw new IllegalArgumentException("removing all voters is not allowed");
    }
    for (Long l : m.learners) {
      if (m.isVoter(l)) {
        throw new IllegalArgumentException(l + " is both voter and learner");
      }
    }
    for (Long l : m.learnersNext) {
      if (!m.outgoing.contains(l)) {
        throw new IllegalArgumentException(l + " in learnersNext but not an outgoing voter");
      }
    }
    if (!m.isJoint() && m.autoLeave) {
      throw new IllegalArgumentException("autoLeave outside a joint configuration");
    }
  }
}
