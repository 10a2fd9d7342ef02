package io.rangedb.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Messages from peers that the core ignores or rejects, whatever their sender's bug or version. */
class UntrustedMessagesTest {
  private static RawNode follower(RaftConfig config) {
    return new RawNode(
        config,
        MemoryLogStorage.bootstrap(ConfState.ofVoters(1L, 2L, 3L), null),
        new SplittableRandom(1));
  }

  /** Node 1 follows node 3 at term 2 and holds entry 2 of term 2, not committed. */
  private static RawNode followerWithAnUncommittedEntry() {
    RawNode n = follower(RaftConfig.defaults(1));
    n.step(
        Message.builder(MessageType.APP)
            .from(3)
            .to(1)
            .term(2)
            .index(1)
            .logTerm(1)
            .entries(List.of(Entry.normal(2, 2, new byte[] {'x'})))
            .commit(1)
            .build());
    assertEquals(2, n.lastIndex());
    assertEquals(1, n.commitIndex());
    return n;
  }

  /**
   * Only forwarded requests (PROP, READ_INDEX, TRANSFER_LEADER) and a pre-vote refusal may come
   * without a term. A HEARTBEAT of term 0 (an encoder that leaves the term unset, a sender of
   * another version) used to skip the term check, make its sender the leader and commit whatever
   * the follower held up to its commit index: here an entry no leader committed. It is ignored.
   */
  @Test
  void aHeartbeatWithoutATermCommitsNothing() {
    RawNode n = followerWithAnUncommittedEntry();
    n.step(Message.builder(MessageType.HEARTBEAT).from(2).to(1).term(0).commit(2).build());
    assertEquals(1, n.commitIndex(), "committed an entry on a termless heartbeat");
    assertEquals(3, n.leader(), "a termless message made its sender the leader");
  }

  /**
   * A candidate that got an APP of term 0 became a follower "of term 0": its term went back and its
   * vote was forgotten, and the Ready persisted that, so it could vote twice in a term. Ignored.
   */
  @Test
  void aTermlessAppendDoesNotTakeACandidatesTermBack() {
    RawNode n = follower(RaftConfig.defaults(1).withPreVote(false));
    n.campaign();
    assertEquals(Role.CANDIDATE, n.role());
    long term = n.term();
    n.step(Message.builder(MessageType.APP).from(2).to(1).term(0).index(1).logTerm(1).build());
    assertEquals(term, n.term(), "the term went back");
    assertEquals(1, n.hardState().vote(), "the vote was forgotten");
  }

  /**
   * An append whose previous index lies beyond the follower's log, with previous term 0, matched:
   * {@code RaftLog.term} answers 0 past the end of the log. The follower then acknowledged entries
   * it lacked and took the leader's commit index for entries of its own that may differ from the
   * leader's (here entry 2 of a deposed leader, against a leader of term 3). It is rejected now, as
   * any append that does not match.
   */
  @Test
  void anAppendPastTheEndOfTheLogWithTermZeroDoesNotMatch() {
    RawNode n = followerWithAnUncommittedEntry();
    n.step(
        Message.builder(MessageType.APP)
            .from(2)
            .to(1)
            .term(3)
            .index(100)
            .logTerm(0)
            .commit(2)
            .build());
    assertEquals(1, n.commitIndex(), "committed its own entry 2 on an append that did not match");
    Ready rd = n.ready();
    Message resp =
        rd.messagesAfterPersist().stream()
            .filter(m -> m.type() == MessageType.APP_RESP && m.to() == 2)
            .findFirst()
            .orElseThrow();
    assertEquals(true, resp.reject(), "acknowledged index " + resp.index() + " it does not hold");
  }

  /**
   * An acknowledgement of an index past the end of the leader's own log (Long.MAX_VALUE here; no
   * follower can hold an entry the leader never had) was taken as is: the leader committed its
   * entries 2 and 3 with a quorum of itself and that claim, although no other replica had them, and
   * the follower's progress broke ({@code next} overflowed). It is ignored.
   */
  @Test
  void anAcknowledgementPastTheLeadersLogCommitsNothing() {
    MemoryLogStorage storage = MemoryLogStorage.bootstrap(ConfState.ofVoters(1L, 2L, 3L), null);
    RawNode n =
        new RawNode(RaftConfig.defaults(1).withPreVote(false), storage, new SplittableRandom(1));
    n.campaign();
    n.step(Message.builder(MessageType.VOTE_RESP).from(2).to(1).term(n.term()).build());
    assertEquals(Role.LEADER, n.role());
    persist(n, storage); // the no-op at index 2 is durable here
    n.propose(new byte[] {'x'});
    persist(n, storage); // index 3 too
    assertEquals(3, n.lastIndex());
    assertEquals(1, n.commitIndex());
    n.step(
        Message.builder(MessageType.APP_RESP)
            .from(3)
            .to(1)
            .term(n.term())
            .index(Long.MAX_VALUE)
            .build());
    assertEquals(
        1, n.commitIndex(), "committed with no replica but the leader holding the entries");
  }

  private static void persist(RawNode n, MemoryLogStorage storage) {
    Ready rd = n.ready();
    MemoryLogBatch b = MemoryLogStorage.newBatch();
    storage.stage(b, rd.hardState(), rd.entries(), rd.snapshot());
    b.commit();
    n.advance(rd);
  }
}
