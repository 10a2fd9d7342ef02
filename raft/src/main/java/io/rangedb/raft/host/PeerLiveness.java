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
  private final Map<Long, Long> lastHeard = new HashMap<>();
  private final Set<Long> down = new HashSet<>();

  /**
   * @param deadTicks ticks of silence after which a peer node counts as down
   */
  PeerLiveness(long self, long deadTicks) {
    this.self = self;
    this.deadTicks = deadTicks;
  }

  /** Watches every node of {@code cs} (members stay watched after they leave a group). */
  void watchMembers(ConfState cs) {
    for (Set<Long> nodes :
        List.of(cs.voters(), cs.votersOutgoing(), cs.learners(), cs.learnersNext())) {
      for (long node : nodes) {
        if (node != self) {
          peers.add(node);
        }
      }
    }
  }

  /** The watched nodes other than this one, ascending: where the host sends its pings. */
  Set<Long> peers() {
    return peers;
  }

  /** A tick went by; returns the peers that have just gone silent for longer than allowed. */
  List<Long> tick(long ticks) {
    List<Long> wentDown = new ArrayList<>(0);
    for (long peer : peers) {
      long heard = lastHeard.computeIfAbsent(peer, p -> ticks);
      if (ticks - heard > deadTicks && down.add(peer)) {
        wentDown.add(peer);
      }
    }
    return wentDown;
  }

  /** Something arrived from {@code node}; returns whether it was down until now. */
  boolean heardFrom(long node, long ticks) {
    lastHeard.put(node, ticks);
    return down.remove(node);
  }

  boolean isDown(long node) {
    return down.contains(node);
  }

  /** Whether {@code node} is in any half or role of {@code cs}. */
  static boolean isMember(ConfState cs, long node) {
    return cs.voters().contains(node)
        || cs.votersOutgoing().contains(node)
        || cs.learners().contains(node)
        || cs.learnersNext().contains(node);
  }
}
