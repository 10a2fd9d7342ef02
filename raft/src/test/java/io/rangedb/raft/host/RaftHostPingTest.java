package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.raft.transport.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Node-level liveness pings between hosts: a host pings the nodes its groups have as members, and
 * while one of its replicas knows no member yet it answers the pings of any other node, so that a
 * new member (its replica opened on an empty log, knowing no peer) is heard by the leader that
 * added it.
 */
class RaftHostPingTest {
  private final ManualExecutor loop = new ManualExecutor();
  private final MemoryLogStore store = new MemoryLogStore();

  /** The pings this host sent, as "type to node". */
  private final List<String> pings = new ArrayList<>();

  private final RaftHost host =
      new RaftHost(
          1,
          store,
          new Transport() {
            @Override
            public void send(long toNode, List<Envelope> batch) {
              for (Envelope e : batch) {
                if (e.groupId() == RaftHost.PING_GROUP) {
                  pings.add(e.message().type() + " to " + toNode);
                }
              }
            }

            @Override
            public void sendSnapshot(long toNode, Envelope snapshotMessage, ImageSource image) {
              image.close();
            }
          },
          loop,
          Runnable::run,
          new SplittableRandom(1),
          new NothingApplied(),
          RaftHost.Options.defaults());

  private void runLoop() {
    loop.runAll();
  }

  private static List<Envelope> ping(MessageType type, long from) {
    return List.of(new Envelope(RaftHost.PING_GROUP, Message.builder(type).from(from).build()));
  }

  @Test
  void aNodeWhoseReplicaAwaitsItsMembersAnswersThePingOfAnyNodeButNeverAnAnswer() {
    host.addGroup(9, RaftConfig.defaults(1)); // an empty log: a new member, knowing no peer yet
    runLoop();
    host.receive(2, ping(MessageType.HEARTBEAT, 2));
    runLoop();
    assertEquals(List.of("HEARTBEAT_RESP to 2"), pings, "answered: it pings no one itself");

    // Two nodes that both stopped watching each other while a ping was in flight: answering the
    // answer would bounce it between them for good.
    host.receive(2, ping(MessageType.HEARTBEAT_RESP, 2));
    runLoop();
    assertEquals(List.of("HEARTBEAT_RESP to 2"), pings, "an answer is not answered");
  }

  /**
   * Without a replica waiting for its members a node answers no one's pings: its process being up
   * is no sign of life to a node it shares no group with (say, a node that led a group here before
   * it restarted and has not reopened it: the followers must elect).
   */
  @Test
  void aNodeWithNoReplicaAwaitingItsMembersAnswersNoPings() {
    host.receive(2, ping(MessageType.HEARTBEAT, 2));
    runLoop();
    store.bootstrap(5, ConfState.ofVoters(1L));
    host.addGroup(5, RaftConfig.defaults(1)); // a group of its own, members known
    runLoop();
    host.receive(2, ping(MessageType.HEARTBEAT, 2));
    runLoop();
    assertEquals(List.of(), pings);
  }

  @Test
  void aNodeDoesNotAnswerThePingsOfANodeItPingsItself() {
    store.bootstrap(5, ConfState.ofVoters(1L, 2L));
    host.addGroup(5, RaftConfig.defaults(1));
    runLoop();
    host.receive(2, ping(MessageType.HEARTBEAT, 2));
    runLoop();
    assertEquals(List.of(), pings, "its own pings reach node 2 every ping interval");
    for (int i = 0; i < RaftHost.Options.defaults().pingTicks(); i++) {
      host.tick();
      runLoop();
    }
    assertEquals(List.of("HEARTBEAT to 2"), pings, "as they do");
  }
}
