package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.Entry;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.ProposalDroppedException;
import io.rangedb.raft.transport.Envelope;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** A host whose loop falls behind bounds what waits for it, instead of queueing without end. */
class RaftHostInboxTest {
  private static final long LIMIT = 10_000;

  /** A loop that runs nothing until the test says so: the host has fallen behind. */
  private final ManualExecutor stalledLoop = new ManualExecutor();

  private final RaftHost host =
      new RaftHost(
          1,
          new MemoryLogStore(),
          new NowhereTransport(),
          stalledLoop,
          Runnable::run,
          new SplittableRandom(1),
          new NothingApplied(),
          RaftHost.Options.defaults().withMaxInboxBytes(LIMIT));

  private static List<Envelope> appendOf(int bytes) {
    Message m =
        Message.builder(MessageType.APP)
            .from(2)
            .to(1)
            .entries(List.of(Entry.normal(1, 5, new byte[bytes])))
            .build();
    return List.of(new Envelope(7, m));
  }

  private void runLoop() {
    stalledLoop.runAll();
  }

  private static Throwable failureOf(CompletableFuture<?> f) {
    try {
      f.get();
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void receivedBatchesBeyondTheLimitAreDroppedAndProposalsRefused() {
    for (int i = 0; i < 50; i++) {
      host.receive(2, appendOf(1_000));
    }
    long dropped = host.stats().inboundDropped.get();
    assertTrue(dropped >= 40, "about ten batches fit in 10,000 bytes; dropped " + dropped);
    assertTrue(dropped < 50, "the first ones were taken");

    CompletableFuture<Long> refusedNow = host.propose(7, new byte[2_000]);
    assertTrue(refusedNow.isDone(), "refused at once, not queued");
    Throwable refused = failureOf(refusedNow);
    assertTrue(refused instanceof ProposalDroppedException, String.valueOf(refused));
    assertEquals(
        ProposalDroppedException.Reason.BACKLOG, ((ProposalDroppedException) refused).reason());
    assertEquals(1, host.stats().proposalsRefused.get());

    runLoop(); // the host catches up: its inbox drains and its space is given back
    CompletableFuture<Long> later = host.propose(7, new byte[100]);
    runLoop();
    Throwable after = failureOf(later);
    assertTrue(
        !(after instanceof ProposalDroppedException p)
            || p.reason() != ProposalDroppedException.Reason.BACKLOG,
        "taken once the loop caught up (it fails only because group 7 does not exist): " + after);
    assertEquals(1, host.stats().proposalsRefused.get());
  }

  @Test
  void anEmptyInboxTakesAnInputLargerThanTheLimit() {
    host.receive(2, appendOf((int) LIMIT * 3)); // a large snapshot or append must still get in
    assertEquals(0, host.stats().inboundDropped.get());
    host.receive(2, appendOf(10));
    assertEquals(1, host.stats().inboundDropped.get(), "but nothing else until it is processed");
    runLoop();
    host.receive(2, appendOf(10));
    assertEquals(1, host.stats().inboundDropped.get());
    assertNotEquals(0, stalledLoop.waiting());
    runLoop();
  }
}
