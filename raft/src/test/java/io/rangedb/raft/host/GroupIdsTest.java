package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.RaftConfig;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * A host opens groups with positive ids only: group 0 carries the hosts' pings, so a group 0 would
 * never hear its peers, and a store lists negative ids after the positive ones.
 */
class GroupIdsTest {
  private final RaftHost host =
      new RaftHost(
          1,
          new MemoryLogStore(),
          new NowhereTransport(),
          Runnable::run,
          Runnable::run,
          new SplittableRandom(1),
          new NothingApplied(),
          RaftHost.Options.defaults());

  @Test
  void groupZeroAndNegativeIdsAreRefused() {
    for (long id : new long[] {RaftHost.PING_GROUP, -1, Long.MIN_VALUE}) {
      CompletionException e =
          assertThrows(
              CompletionException.class, () -> host.addGroup(id, RaftConfig.defaults(1)).join());
      assertInstanceOf(IllegalArgumentException.class, e.getCause());
      assertTrue(e.getCause().getMessage().contains("positive"), e.getCause().getMessage());
    }
    host.addGroup(1, RaftConfig.defaults(1)).join(); // the host goes on
    assertEquals(
        java.util.List.of(1L), host.inspect(g -> java.util.List.copyOf(g.keySet())).join());
  }
}
