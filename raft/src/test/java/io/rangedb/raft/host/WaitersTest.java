package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.Entry;
import io.rangedb.raft.ProposalDroppedException;
import io.rangedb.raft.ProposalOutcomeUnknownException;
import io.rangedb.raft.ReadState;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class WaitersTest {
  private final Waiters waiters = new Waiters(7);

  private static Throwable failure(CompletableFuture<Long> f) {
    assertTrue(f.isCompletedExceptionally());
    try {
      f.join();
      throw new AssertionError("not failed");
    } catch (CompletionException e) {
      return e.getCause();
    }
  }

  @Test
  void aProposalCompletesWhenItsEntryIsAppliedAndFailsWhenAnotherTermTookTheIndex() {
    CompletableFuture<Long> mine = new CompletableFuture<>();
    CompletableFuture<Long> lost = new CompletableFuture<>();
    waiters.proposed(5, 2, 0, mine);
    waiters.proposed(6, 2, 0, lost);
    assertFalse(waiters.idle());
    waiters.applied(Entry.normal(2, 5, new byte[0]), 1);
    waiters.applied(Entry.normal(3, 6, new byte[0]), 2);
    assertEquals(5L, mine.join());
    ProposalDroppedException e = assertInstanceOf(ProposalDroppedException.class, failure(lost));
    assertEquals(ProposalDroppedException.Reason.SUPERSEDED, e.reason());
    assertTrue(waiters.idle());
  }

  @Test
  void aReadCompletesOnceConfirmedAndItsIndexIsApplied() {
    CompletableFuture<Long> read = new CompletableFuture<>();
    waiters.readRequested(new byte[] {1}, 0, read);
    waiters.readsConfirmed(List.of(new ReadState(10, new byte[] {1})), 9);
    assertFalse(read.isDone(), "confirmed at 10, applied only 9");
    assertTrue(waiters.idle(), "Raft owes it nothing more");
    waiters.readsConfirmed(List.of(), 10);
    assertEquals(10L, read.join());
  }

  @Test
  void expiryGivesUpOnOldProposalsAndEverythingBeforeThemAndOnOldReads() {
    CompletableFuture<Long> early = new CompletableFuture<>();
    CompletableFuture<Long> old = new CompletableFuture<>();
    CompletableFuture<Long> fresh = new CompletableFuture<>();
    CompletableFuture<Long> read = new CompletableFuture<>();
    waiters.proposed(4, 1, 50, early); // recent, but below an expired one
    waiters.proposed(5, 1, 3, old);
    waiters.proposed(6, 1, 50, fresh);
    waiters.readRequested(new byte[] {2}, 3, read);
    waiters.expire(10, 1, "too slow");
    assertInstanceOf(ProposalOutcomeUnknownException.class, failure(early));
    assertInstanceOf(ProposalOutcomeUnknownException.class, failure(old));
    assertFalse(fresh.isDone());
    ProposalDroppedException e = assertInstanceOf(ProposalDroppedException.class, failure(read));
    assertEquals(ProposalDroppedException.Reason.READ_ABANDONED, e.reason());
  }

  @Test
  void failAllFailsEveryKindOfWaiter() {
    CompletableFuture<Long> p = new CompletableFuture<>();
    CompletableFuture<Long> unconfirmed = new CompletableFuture<>();
    CompletableFuture<Long> confirmed = new CompletableFuture<>();
    waiters.proposed(5, 1, 0, p);
    waiters.readRequested(new byte[] {1}, 0, unconfirmed);
    waiters.readRequested(new byte[] {2}, 0, confirmed);
    waiters.readsConfirmed(List.of(new ReadState(9, new byte[] {2})), 1);
    IllegalStateException stop = new IllegalStateException("host stopped");
    waiters.failAll(stop);
    assertEquals(stop, failure(p));
    assertEquals(stop, failure(unconfirmed));
    assertEquals(stop, failure(confirmed));
    assertTrue(waiters.idle());
  }
}
