package io.rangedb.raft.host;

import io.rangedb.raft.ConfState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which peer nodes a host still hears from, for all its groups together: quiesced groups do not
 * heartbeat, so the host watches nodes instead (any message counts, the host's own pings keep a
 * quiet pair of nodes alive). Loop-confined, like the host's other state.
 */
final class PeerLiveness {
  private final long self;
  private final long deadTicks;
  private final Set<Long> peers = new TreeSet<>();

  /** Each group's member nodes other than this one, as last watched. */
  private final Map<Long, Set<Long>> membersByGroup = new HashMap<>();

  /** For each watched node, how many groups have it as a member. */
  private final Map<Long, Integer> groupsWatching = new HashMap<>();

  /**
   * What is known of each node heard from or watched. Mutable fields rather than boxed values in
   * maps: every received batch updates its sender's, and storing a fresh {@code Long} into a
   * long-lived map entry cost a boxed value and a card-marking write barrier each time.
   */
  private final Map<Long, Node> nodes = new HashMap<>();

  /** Groups whose replica here knows no member yet: opened on an empty log, awaiting a snapshot. */
  private final Set<Long> withoutMembers = new HashSet<>();

  /** How many nodes are down: nearly always none, and then no lookup is needed. */
  private int downCount;

  private static final class Node {
    /** The tick it was last heard from, or {@link #NEVER} before it was heard from or watched. */
    long lastHeard = NEVER;

    boolean down;

    static final long NEVER = Long.MIN_VALUE;
  }

  /**
   * @param deadTicks ticks of silence after which a peer node counts as down
   */
  PeerLiveness(long self, long deadTicks) {
    this.self = self;
    this.deadTicks = deadTicks;
  }

  /**
   * Group {@code group} now has configuration {@code cs}: watches its members, in place of what the
   * group had. A node stays watched (and pinged) while any group of this host has it as a member;
   * once none has, it is forgotten, so a node that left every group is no longer pinged.
   */
  void watch(long group, ConfState cs) {
    Set<Long> now = new HashSet<>();
    for (Set<Long> members :
        List.of(cs.voters(), cs.votersOutgoing(), cs.learners(), cs.learnersNext())) {
      now.addAll(members);
    }
    if (now.isEmpty()) {
      withoutMembers.add(group);
    } else {
      withoutMembers.remove(group);
    }
    now.remove(self);
    Set<Long> before = membersByGroup.getOrDefault(group, Set.of());
    if (now.equals(before)) {
      return;
    }
    for (long node : now) {
      if (!before.contains(node) && groupsWatching.merge(node, 1, Integer::sum) == 1) {
        peers.add(node);
      }
    }
    for (long node : before) {
      if (!now.contains(node)) {
        release(node);
      }
    }
    if (now.isEmpty()) {
      membersByGroup.remove(group);
    } else {
      membersByGroup.put(group, now);
    }
  }

  /** Group {@code group} left this host: its members no longer keep their nodes watched. */
  void unwatch(long group) {
    withoutMembers.remove(group);
    Set<Long> before = membersByGroup.remove(group);
    if (before != null) {
      before.forEach(this::release);
    }
  }

  private void release(long node) {
    if (groupsWatching.merge(node, -1, Integer::sum) > 0) {
      return;
    }
    groupsWatching.remove(node);
    peers.remove(node);
    Node n = nodes.remove(node);
    if (n != null && n.down) {
      downCount--;
    }
  }

  /**
   * Whether some group's replica here knows no member yet (not even this node): a new member that
   * waits for its leader to find it, and cannot ping that leader's node, not knowing it.
   */
  boolean awaitsMembers() {
    return !withoutMembers.isEmpty();
  }

  /** The watched nodes other than this one, ascending: where the host sends its pings. */
  Set<Long> peers() {
    return peers;
  }

  /** A tick went by; returns the peers that have just gone silent for longer than allowed. */
  List<Long> tick(long ticks) {
    List<Long> wentDown = new ArrayList<>(0);
    for (long peer : peers) {
      Node n = node(peer);
      if (n.lastHeard == Node.NEVER) {
        n.lastHeard = ticks; // watched from now on
      }
      if (ticks - n.lastHeard > deadTicks && !n.down) {
        n.down = true;
        downCount++;
        wentDown.add(peer);
      }
    }
    return wentDown;
  }

  /** Something arrived from {@code node}; returns whether it was down until now. */
  boolean heardFrom(long node, long ticks) {
    Node n = node(node);
    n.lastHeard = ticks;
    if (!n.down) {
      return false;
    }
    n.down = false;
    downCount--;
    return true;
  }

  /** Called for every member of every group a leader looks at, so the common case is cheap. */
  boolean isDown(long node) {
    if (downCount == 0) {
      return false;
    }
    Node n = nodes.get(node);
    return n != null && n.down;
  }

  private Node node(long node) {
    Node n = nodes.get(node);
    if (n == null) {
      n = new Node();
      nodes.put(node, n);
    }
    return n;
  }

  /** Whether {@code node} is in any half or role of {@code cs}. */
  static boolean isMember(ConfState cs, long node) {
    return cs.voters().contains(node)
        || cs.votersOutgoing().contains(node)
        || cs.learners().contains(node)
        || cs.learnersNext().contains(node);
  }
}
