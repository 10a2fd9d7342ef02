package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PeerLivenessTest {
  private final PeerLiveness liveness = new PeerLiveness(1, 3);

  @Test
  void watchesEveryMemberButItself() {
    liveness.watch(1, ConfState.ofVoters(1L, 2L, 3L));
    liveness.watch(2, new ConfState(Set.of(1L, 2L), Set.of(1L, 4L), Set.of(5L), Set.of(), false));
    assertEquals(List.of(2L, 3L, 4L, 5L), List.copyOf(liveness.peers()));
  }

  @Test
  void aReplicaKnowingNoMemberYetIsAwaitingItsMembersUntilItLearnsThemOrLeaves() {
    liveness.watch(1, ConfState.ofVoters(1L)); // a group of its own: its members are known
    assertFalse(liveness.awaitsMembers());
    liveness.watch(2, new ConfState(Set.of(), Set.of(), Set.of(), Set.of(), false));
    liveness.watch(3, new ConfState(Set.of(), Set.of(), Set.of(), Set.of(), false));
    assertTrue(liveness.awaitsMembers(), "opened on an empty log");
    liveness.watch(2, new ConfState(Set.of(2L, 3L), Set.of(), Set.of(1L), Set.of(), false));
    assertTrue(liveness.awaitsMembers(), "group 3 still is");
    liveness.unwatch(3);
    assertFalse(liveness.awaitsMembers(), "group 2 learned its members from a snapshot");
  }

  @Test
  void aPeerSilentForLongerThanAllowedGoesDownOnceAndComesBackWhenHeard() {
    liveness.watch(1, ConfState.ofVoters(1L, 2L, 3L));
    for (long t = 1; t <= 3; t++) {
      liveness.heardFrom(3, t);
      assertEquals(List.of(), liveness.tick(t), "tick " + t);
    }
    liveness.heardFrom(3, 4);
    assertEquals(List.of(2L), liveness.tick(5), "2 was last heard of (first watched) at tick 1");
    assertTrue(liveness.isDown(2));
    assertFalse(liveness.isDown(3));
    assertEquals(List.of(), liveness.tick(6), "reported once");
    assertTrue(liveness.heardFrom(2, 7), "back from the dead");
    assertFalse(liveness.isDown(2));
    assertFalse(liveness.heardFrom(2, 8));
  }

  @Test
  void eachNodeComesBackOnItsOwn() {
    liveness.watch(1, ConfState.ofVoters(1L, 2L, 3L, 4L));
    liveness.tick(1);
    liveness.heardFrom(4, 4);
    assertEquals(List.of(2L, 3L), liveness.tick(5));
    assertTrue(liveness.heardFrom(3, 6));
    assertTrue(liveness.isDown(2), "2 is still silent");
    assertFalse(liveness.isDown(3));
    assertFalse(liveness.isDown(4));
    assertFalse(liveness.isDown(9), "a node never watched nor heard from is not down");
    assertTrue(liveness.heardFrom(2, 7));
    assertFalse(liveness.isDown(2));
    assertEquals(List.of(4L), liveness.tick(8), "4 silent since 4");
    assertTrue(liveness.isDown(4));
    assertFalse(liveness.isDown(2));
    assertEquals(List.of(2L, 3L), liveness.tick(11), "2 silent since 7, 3 since 6");
  }

  /**
   * A node is watched while any group has it as a member, and forgotten (no more pings, not down)
   * once the last such group changed its members or left this host.
   */
  @Test
  void aNodeNoGroupHasAnyMoreIsForgotten() {
    liveness.watch(1, ConfState.ofVoters(1L, 2L, 3L));
    liveness.watch(2, ConfState.ofVoters(1L, 2L, 4L));
    assertEquals(List.of(2L, 3L, 4L), List.copyOf(liveness.peers()));
    liveness.watch(1, ConfState.ofVoters(1L, 2L, 4L)); // 3 replaced by 4
    assertEquals(List.of(2L, 4L), List.copyOf(liveness.peers()));
    liveness.tick(1);
    liveness.heardFrom(2, 5);
    assertEquals(List.of(4L), liveness.tick(5));
    assertTrue(liveness.isDown(4));
    liveness.watch(1, ConfState.ofVoters(1L, 2L));
    assertTrue(liveness.isDown(4), "group 2 still has it");
    liveness.unwatch(2);
    assertEquals(List.of(2L), List.copyOf(liveness.peers()));
    assertFalse(liveness.isDown(4), "forgotten, not down");
    liveness.heardFrom(2, 6);
    assertEquals(List.of(), liveness.tick(7));
    liveness.watch(3, ConfState.ofVoters(1L, 4L)); // back: watched afresh
    assertEquals(List.of(), liveness.tick(8));
    liveness.heardFrom(2, 11);
    assertEquals(List.of(4L), liveness.tick(12), "4 silent since it was watched again at 8");
  }
}
