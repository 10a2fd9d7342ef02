package io.rangedb.raft;

import static io.rangedb.raft.Cluster.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One test (or a few) per rule of the Raft paper, including the well-known traps. */
class RaftRulesTest {

  // ------------------------------------------------------------ election safety

  @Test
  void electionSafetyAtMostOneLeaderPerTerm() {
    Cluster c = Cluster.of(1, 2, 3, 4, 5);
    Map<Long, Long> leaderOfTerm = new HashMap<>();
    // Many rounds of competing campaigns with random message drops.
    java.util.SplittableRandom r = new java.util.SplittableRandom(7);
    c.dropRules.add(m -> r.nextInt(4) == 0);
    for (int round = 0; round < 200; round++) {
      long id = 1 + r.nextInt(5);
      c.expireLeases();
      c.node(id).campaign();
      c.stabilize();
      for (RawNode n : c.nodes.values()) {
        if (n.role() == Role.LEADER) {
          Long prev = leaderOfTerm.putIfAbsent(n.term(), n.id());
          assertTrue(prev == null || prev == n.id(), "two leaders in term " + n.term());
        }
      }
    }
    assertTrue(leaderOfTerm.size() > 10, "elections happened: " + leaderOfTerm.size());
  }

  @Test
  void candidateWithStaleLogCannotWin() {
    Cluster c = Cluster.of(1, 2, 3);
    c.elect(1);
    c.isolated.add(3L);
    c.node(1).propose(bytes("a"));
    c.stabilize();
    c.isolated.clear();
    c.expireLeases();
    // 3 missed "a": its vote requests are rejected by both up-to-date replicas (leader
    // completeness depends on this election restriction).
    c.node(3).campaign();
    c.stabilize();
    assertNotEquals(Role.LEADER, c.node(3).role());
    assertTrue(
        c.sentAfterPersist.stream()
            .anyMatch(m -> m.type() == MessageType.PRE_VOTE_RESP && m.to() == 3 && m.reject()));
  }

  @Test
  void electionTimeoutsAreDrawnBetweenOneAndTwoTimeoutsAndDifferAcrossReplicas() {
    int base = RaftConfig.defaults(1).electionTicks();
    java.util.Set<Integer> seen = new java.util.TreeSet<>();
    for (long seed = 0; seed < 40; seed++) {
      RawNode n =
          new RawNode(
              RaftConfig.defaults(1),
              MemoryLogStorage.bootstrap(ConfState.ofVoters(1L, 2L, 3L), null),
              new java.util.SplittableRandom(seed));
      int timeout = n.raft().randomizedElectionTimeout;
      assertTrue(timeout >= base && timeout < 2 * base, "timeout " + timeout);
      seen.add(timeout);
    }
    // Equal timeouts everywhere would make split votes repeat; most of the range is drawn.
    assertTrue(seen.size() >= base / 2, "timeouts drawn: " + seen);
  }

  @Test
  void randomizedTimeoutElectsOneLeaderWithoutHelp() {
    Cluster c = Cluster.of(1, 2, 3);
    c.tickAll(60);
    long leaders = c.nodes.values().stream().filter(n -> n.role() == Role.LEADER).count();
    assertEquals(1, leaders);
    long lead = c.leaderId();
    for (RawNode n : c.nodes.values()) {
      assertEquals(lead, n.leader());
    }
  }

  /**
   * Three voters running plain Raft: nothing keeps a stale or cut-off candidate from campaigning.
   */
  private static Cluster threeWithoutPreVoteOrCheckQuorum() {
    return new Cluster(
        id -> RaftConfig.defaults(id).withPreVote(false).withCheckQuorum(false),
        ConfState.ofVoters(1L, 2L, 3L),
        1,
        2,
        3);
  }

  @Test
  void staleCandidatesDoNotHoldBackTheReplicaThatCanWin() {
    // Without pre-vote, a candidate whose log is too stale to win still raises everyone's term. If
    // that restarted their election timers too (etcd does), a replica that campaigns more often
    // than the timeout would keep the only replica able to win from ever campaigning.
    Cluster c = threeWithoutPreVoteOrCheckQuorum();
    c.elect(1);
    c.isolated.add(3L);
    c.node(1).propose(bytes("a"));
    c.stabilize();
    c.isolated.clear();
    c.isolated.add(1L); // the leader is gone; of the others only 2 holds "a"
    int ticks = 0;
    while (c.node(2).role() != Role.LEADER && ticks < 100) {
      if (ticks % 3 == 0) {
        c.node(3).campaign();
      }
      c.tick(2, 1);
      c.stabilize();
      ticks++;
    }
    assertEquals(Role.LEADER, c.node(2).role(), "2 was elected despite 3's campaigns");
    assertTrue(ticks < 2 * RaftConfig.defaults(2).electionTicks(), "within one timeout: " + ticks);
  }

  // ------------------------------------------------------------ log matching, replication

  @Test
  void replicationAppliesSameEntriesInSameOrder() {
    Cluster c = Cluster.of(1, 2, 3);
    c.elect(1);
    for (int i = 0; i < 20; i++) {
      c.node(1).propose(bytes("v" + i));
    }
    c.stabilize();
    for (long id : List.of(1L, 2L, 3L)) {
      assertEquals(20, c.appliedData(id).size());
      assertEquals(c.appliedData(1), c.appliedData(id));
    }
  }

  @Test
  void deposedLeadersUncommittedEntriesAreOverwritten() {
    Cluster c = Cluster.of(1, 2, 3);
    c.elect(1);
    c.node(1).propose(bytes("committed"));
    c.stabilize();
    // The leader is cut off; it still accepts proposals that can never commit.
    c.isolated.add(1L);
    c.node(1).propose(bytes("lost-1"));
    c.node(1).propose(bytes("lost-2"));
    c.stabilize();
    c.elect(2);
    c.node(2).propose(bytes("new"));
    c.stabilize();
    c.isolated.clear();
    c.tickAll(5); // heartbeats of leader 2 reach 1, which steps down and is repaired
    c.stabilize();
    assertEquals(Role.FOLLOWER, c.node(1).role());
    List<Entry> log1 = c.node(1).entries(c.node(1).firstIndex());
    List<Entry> log2 = c.node(2).entries(c.node(2).firstIndex());
    assertEquals(log2, log1, "log matching: the deposed leader's log converges to the new one");
    assertEquals(List.of("committed", "new"), c.appliedData(1));
    assertTrue(log1.stream().noneMatch(e -> new String(e.data()).startsWith("lost")));
  }

  @Test
  void followerWithLongDivergentLogIsRepairedWithFewProbes() {
    Cluster c = Cluster.of(1, 2, 3);
    c.elect(1);
    c.isolated.add(1L);
    for (int i = 0; i < 100; i++) {
      c.node(1).propose(bytes("stale" + i)); // 100 uncommitted entries of one term
    }
    c.stabilize();
    c.elect(2);
    for (int i = 0; i < 50; i++) {
      c.node(2).propose(bytes("fresh" + i));
    }
    c.stabilize();
    c.isolated.clear();
    int before = c.sentAfterPersist.size();
    c.tickAll(3);
    long rejects =
        c.sentAfterPersist.subList(before, c.sentAfterPersist.size()).stream()
            .filter(m -> m.type() == MessageType.APP_RESP && m.reject() && m.from() == 1)
            .count();
    assertEquals(c.node(2).entries(2), c.node(1).entries(2));
    // Fast back-off skips a whole term per rejection, not one index.
    assertTrue(rejects <= 3, "rejections: " + rejects);
  }

  // ------------------------------------------------------------ commitment rules

  @Test
  void oldTermEntryIsNotCommittedByCountingReplicas() {
    // Figure 8 of the Raft paper: a leader of term 4 finds an entry of term 2 on a majority.
    // Committing it by counting would be unsafe; only an entry of term 4 may commit it.
    Cluster c = Cluster.of(1, 2, 3, 4, 5);
    c.elect(1); // term 2
    c.isolated.addAll(List.of(3L, 4L, 5L));
    c.node(1).propose(bytes("t2")); // reaches only 2
    c.stabilize();
    long t2Index = c.node(1).lastIndex();
    long committedBefore = c.node(1).commitIndex();
    assertTrue(committedBefore < t2Index);
    // Leader 1 is re-elected at a higher term, but messages carrying entries are withheld so the
    // acks can be scripted.
    c.isolated.clear();
    c.isolated.add(1L);
    c.tick(1, 20); // check-quorum deposes it
    assertEquals(Role.FOLLOWER, c.node(1).role());
    c.isolated.clear();
    c.dropRules.add(m -> m.type() == MessageType.APP || m.type() == MessageType.HEARTBEAT);
    c.elect(1);
    RawNode leader = c.node(1);
    assertEquals(Role.LEADER, leader.role());
    long term = leader.term();
    c.processReadies();
    // 2 and 3 acknowledge up to the old-term entry only: with the leader that is 3 of 5.
    for (long f : List.of(2L, 3L)) {
      leader.step(
          Message.builder(MessageType.APP_RESP).from(f).to(1).term(term).index(t2Index).build());
    }
    c.processReadies();
    assertEquals(committedBefore, leader.commitIndex(), "term-2 entry must not commit by count");
    // Once the leader's own no-op (current term) is on a majority, both commit.
    long noop = leader.lastIndex();
    for (long f : List.of(2L, 3L)) {
      leader.step(
          Message.builder(MessageType.APP_RESP).from(f).to(1).term(term).index(noop).build());
    }
    c.processReadies();
    assertEquals(noop, leader.commitIndex());
  }

  @Test
  void leaderCountsItselfOnlyOnceDurable() {
    Cluster c = Cluster.of(1);
    c.elect(1);
    RawNode n = c.node(1);
    long commit = n.commitIndex();
    n.propose(bytes("x"));
    Ready rd = n.ready();
    assertEquals(1, rd.entries().size());
    assertTrue(rd.committedEntries().isEmpty(), "not committed before the leader's own fsync");
    assertEquals(commit, n.commitIndex());
    MemoryLogBatch b = MemoryLogStorage.newBatch();
    c.storages.get(1L).stage(b, rd.hardState(), rd.entries(), rd.snapshot());
    b.commit();
    n.advance(rd);
    assertEquals(commit + 1, n.commitIndex());
  }

  // ------------------------------------------------------------ durability before speaking

  @Test
  void votesAndAcksWaitForPersistence() {
    Cluster c = Cluster.of(1, 2, 3);
    c.elect(1);
    c.node(1).propose(bytes("x"));
    c.stabilize();
    for (Message m : c.sentEarly) {
      assertTrue(
          m.type() != MessageType.VOTE_RESP
              && m.type() != MessageType.APP_RESP
              && m.type() != MessageType.VOTE,
          "sent before persistence: " + m);
    }
    assertTrue(c.sentAfterPersist.stream().anyMatch(m -> m.type() == MessageType.VOTE_RESP));
    assertTrue(c.sentAfterPersist.stream().anyMatch(m -> m.type() == MessageType.APP_RESP));
    assertTrue(c.sentEarly.stream().anyMatch(m -> m.type() == MessageType.APP));
  }

  @Test
  void restartKeepsTermAndVote() {
    Cluster c = Cluster.of(1, 2, 3);
    c.elect(1);
    long term = c.node(2).term();
    assertEquals(1, c.node(2).hardState().vote());
    c.start(2); // crash-restart from storage
    assertEquals(term, c.node(2).term());
    assertEquals(1, c.node(2).hardState().vote());
    // It will not vote for 3 in the same term.
    c.node(2)
        .step(
            Message.builder(MessageType.VOTE)
                .from(3)
                .to(2)
                .term(term)
                .index(100)
                .logTerm(term)
                .build());
    c.processReadies();
    assertTrue(
        c.sentAfterPersist.stream()
            .anyMatch(m -> m.type() == MessageType.VOTE_RESP && m.from() == 2 && m.reject()));
  }

  // ------------------------------------------------------------ pre-vote and check-quorum

  @Test
  void partitionedNodeRejoiningDoesNotDisruptUnderPreVote() {
    Cluster c = Cluster.of(1, 2, 3);
    c.elect(1);
    long term = c.node(1).term();
    c.isolated.add(3L);
    c.tickAll(100); // 3 campaigns over and over, alone
    assertEquals(term, c.node(3).term(), "pre-vote keeps a partitioned node's term");
    c.isolated.clear();
    c.tickAll(20);
    assertEquals(1, c.leaderId());
    assertEquals(term, c.node(1).term(), "the leader was not disrupted");
    assertEquals(1, c.node(3).leader());
  }

  @Test
  void withoutPreVoteARejoiningNodeDisrupts() {
    // The contrast that shows what pre-vote buys.
    Cluster c = threeWithoutPreVoteOrCheckQuorum();
    c.elect(1);
    long term = c.node(1).term();
    c.isolated.add(3L);
    c.tickAll(100);
    assertTrue(c.node(3).term() > term + 1);
    c.isolated.clear();
    c.tickAll(30);
    assertTrue(c.node(1).term() > term, "the old leader was deposed by the higher term");
  }

  @Test
  void underCheckQuorumAFollowerThatHearsFromItsLeaderRefusesVotes() {
    Cluster c =
        new Cluster(
            id -> RaftConfig.defaults(id).withPreVote(false).withCheckQuorum(true),
            ConfState.ofVoters(1L, 2L, 3L),
            1,
            2,
            3);
    c.elect(1);
    long term = c.node(1).term();
    // 3 campaigns at once (no pre-vote); only its vote requests get out, so that nothing else it
    // says at its new term can depose the leader.
    c.dropRules.add(m -> m.from() == 3 && m.type() != MessageType.VOTE);
    c.node(3).campaign();
    c.stabilize();
    assertEquals(term + 1, c.node(3).term());
    assertEquals(Role.CANDIDATE, c.node(3).role());
    assertEquals(Role.LEADER, c.node(1).role());
    assertEquals(term, c.node(2).term(), "2 ignored the newer term of a vote it would not grant");
    assertTrue(
        concat(c.sentEarly, c.sentAfterPersist).stream()
            .noneMatch(m -> m.type() == MessageType.VOTE_RESP && m.to() == 3 && !m.reject()),
        "nobody granted 3 a vote");
  }

  @Test
  void checkQuorumLeaderStepsDownWhenCutOff() {
    Cluster c = Cluster.of(1, 2, 3);
    c.elect(1);
    c.isolated.add(1L);
    c.tick(1, 20);
    c.processReadies();
    assertEquals(Role.FOLLOWER, c.node(1).role());
    assertEquals(0, c.node(1).leader());
  }

  // ------------------------------------------------------------ learners

  @Test
  void learnersVotesAreNeverCounted() {
    Cluster c =
        new Cluster(
            RaftConfig::defaults,
            new ConfState(
                java.util.Set.of(1L, 2L),
                java.util.Set.of(),
                java.util.Set.of(3L, 4L),
                java.util.Set.of(),
                false),
            1,
            2,
            3,
            4);
    c.isolated.add(2L); // the only other voter is gone; two learners are reachable
    c.node(1).campaign();
    c.stabilize();
    c.node(1).campaign();
    c.stabilize();
    assertNotEquals(Role.LEADER, c.node(1).role(), "won by counting learners' votes");
  }

  @Test
  void learnersAcksAreNeverCountedForCommit() {
    Cluster c = threeVotersTwoLearners();
    c.elect(1);
    long commit = c.node(1).commitIndex();
    c.isolated.addAll(List.of(2L, 3L));
    c.node(1).propose(bytes("x")); // leader + 2 learners = 3 of 5 replicas, but 1 of 3 voters
    c.stabilize();
    assertEquals(commit, c.node(1).commitIndex());
    assertTrue(c.node(4).lastIndex() > commit, "the learner did receive the entry");
    assertEquals(Role.FOLLOWER, c.node(4).role());
    c.tick(4, 100);
    c.processReadies();
    assertEquals(Role.FOLLOWER, c.node(4).role(), "learners never campaign");
  }

  @Test
  void learnersNeverKeepALeaderInPowerUnderCheckQuorum() {
    Cluster c = threeVotersTwoLearners();
    c.elect(1);
    c.isolated.addAll(List.of(2L, 3L)); // the learners still answer every heartbeat
    int heartbeatAcks = 0;
    for (int i = 0; i < 3 * RaftConfig.defaults(1).electionTicks(); i++) {
      for (long id : List.of(1L, 4L, 5L)) {
        c.tick(id, 1);
      }
      c.stabilize();
    }
    for (Message m : concat(c.sentEarly, c.sentAfterPersist)) {
      if (m.type() == MessageType.HEARTBEAT_RESP && m.from() >= 4) {
        heartbeatAcks++;
      }
    }
    assertTrue(heartbeatAcks > 0, "the learners kept answering");
    assertEquals(Role.FOLLOWER, c.node(1).role(), "1 of 3 voters is no quorum, learners or not");
  }

  // ------------------------------------------------------------ proposals that cannot commit

  @Test
  void proposalsFailFastWithATypedReason() {
    Cluster c =
        new Cluster(
            id -> RaftConfig.defaults(id).withForwardProposals(false),
            ConfState.ofVoters(1L, 2L, 3L),
            1,
            2,
            3);
    var noLeader =
        assertThrows(ProposalDroppedException.class, () -> c.node(2).propose(bytes("x")));
    assertEquals(ProposalDroppedException.Reason.NO_LEADER, noLeader.reason());
    c.elect(1);
    var follower =
        assertThrows(ProposalDroppedException.class, () -> c.node(2).propose(bytes("x")));
    assertEquals(ProposalDroppedException.Reason.NOT_LEADER, follower.reason());
    assertEquals(1, follower.leaderHint());
    c.isolated.add(3L);
    c.node(1).transferLeadership(3);
    var transferring =
        assertThrows(ProposalDroppedException.class, () -> c.node(1).propose(bytes("x")));
    assertEquals(ProposalDroppedException.Reason.LEADER_TRANSFERRING, transferring.reason());
    // A deposed leader (stepped down by check-quorum) knows no leader.
    c.isolated.clear();
    c.isolated.add(1L);
    c.tick(1, 20);
    var deposed = assertThrows(ProposalDroppedException.class, () -> c.node(1).propose(bytes("x")));
    assertEquals(ProposalDroppedException.Reason.NO_LEADER, deposed.reason());
  }

  @Test
  void uncommittedBacklogIsCapped() {
    Cluster c =
        new Cluster(
            id -> RaftConfig.defaults(id).withMaxUncommittedBytes(100),
            ConfState.ofVoters(1L, 2L, 3L),
            1,
            2,
            3);
    c.elect(1);
    c.isolated.addAll(List.of(2L, 3L));
    c.node(1).propose(new byte[150]); // nothing outstanding: admitted even above the cap
    var e = assertThrows(ProposalDroppedException.class, () -> c.node(1).propose(new byte[10]));
    assertEquals(ProposalDroppedException.Reason.BACKLOG, e.reason());
    c.isolated.clear();
    c.tickAll(3); // followers catch up, the entry commits and is applied
    c.node(1).propose(new byte[60]);
    c.node(1).propose(new byte[40]);
    assertThrows(ProposalDroppedException.class, () -> c.node(1).propose(new byte[1]));
    c.stabilize();
    c.node(1).propose(new byte[1]);
  }

  @Test
  void aLeaderKeepsAtMostItsWindowOfAppendsInFlightToAFollowerThatDoesNotAck() {
    int window = 4;
    Cluster c =
        new Cluster(
            id -> RaftConfig.defaults(id).withLimits(1, window),
            ConfState.ofVoters(1L, 2L, 3L),
            1,
            2,
            3);
    c.elect(1);
    c.node(1).propose(bytes("first"));
    c.stabilize(); // 3 acked: the leader replicates to it optimistically from now on
    c.dropRules.add(m -> m.type() == MessageType.APP_RESP && m.from() == 3);
    int before = appendsWithEntries(c, 3);
    for (int i = 0; i < 10; i++) {
      c.node(1).propose(bytes("p" + i));
      c.stabilize(); // 2 acks, so every proposal commits
    }
    assertEquals(11, c.appliedData(1).size());
    assertEquals(window, appendsWithEntries(c, 3) - before, "appends in flight to the silent 3");
    assertTrue(c.node(3).lastIndex() < c.node(1).lastIndex());
    c.dropRules.clear();
    c.tickAll(5); // its acks come through again (heartbeats ask for them): the rest follows
    assertEquals(c.node(1).lastIndex(), c.node(3).lastIndex());
    assertEquals(c.appliedData(1), c.appliedData(3));
  }

  /** Voters 1, 2 and 3; learners 4 and 5. */
  private static Cluster threeVotersTwoLearners() {
    return new Cluster(
        RaftConfig::defaults,
        new ConfState(
            java.util.Set.of(1L, 2L, 3L),
            java.util.Set.of(),
            java.util.Set.of(4L, 5L),
            java.util.Set.of(),
            false),
        1,
        2,
        3,
        4,
        5);
  }

  private static List<Message> concat(List<Message> a, List<Message> b) {
    List<Message> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static int appendsWithEntries(Cluster c, long to) {
    return (int)
        c.sentEarly.stream()
            .filter(m -> m.type() == MessageType.APP && m.to() == to && !m.entries().isEmpty())
            .count();
  }

  @Test
  void forwardedProposalCommits() {
    Cluster c = Cluster.of(1, 2, 3);
    c.elect(1);
    assertEquals(0, c.node(3).propose(bytes("via-follower")));
    c.stabilize();
    assertEquals(List.of("via-follower"), c.appliedData(1));
  }
}
