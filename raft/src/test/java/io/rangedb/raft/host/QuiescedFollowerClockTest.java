package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.transport.Envelope;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A follower quiesced by its leader's last heartbeat is not ticked; when something wakes it, its
 * host gives it the whole ticks it missed. Never more: a clock ahead of real time would end its
 * promise not to vote against its leader's lease early. With ticks in slices, the heartbeat may
 * come before or after the follower's slice of the current tick, and the wake before or after its
 * slice of a later one: the host counts the ticks its slice ran in meanwhile, no more, no fewer.
 */
class QuiescedFollowerClockTest {
  private static final long GROUP = 7;

  /** The host runs on this queue, drained after each step, so that the test orders everything. */
  private final ManualExecutor loop = new ManualExecutor();

  private final RaftHost host =
      new RaftHost(
          2,
          store(),
          new NowhereTransport(),
          loop,
          loop,
          new SplittableRandom(1),
          new NothingApplied(),
          RaftHost.Options.defaults().withTickSlices(2));

  private static MemoryLogStore store() {
    MemoryLogStore s = new MemoryLogStore();
    s.bootstrap(1, ConfState.ofVoters(1L, 2L, 3L));
    s.bootstrap(GROUP, ConfState.ofVoters(1L, 2L, 3L));
    return s;
  }

  private void drain() {
    loop.runAll();
  }

  /** Slices run so far: the first of each whole tick ticks slot 0, the second slot 1. */
  private int slices;

  /** How many times slot 1, the group's, has been ticked (or skipped, while quiesced). */
  private int slotRuns;

  private void slice() {
    host.tick();
    if (slices++ % 2 == 1) {
      slotRuns++;
    }
    drain();
  }

  private void heartbeat(boolean quiesce) {
    Message.Builder b =
        Message.builder(MessageType.HEARTBEAT).from(1).to(2).term(2).commit(0).context(null);
    if (quiesce) {
      b.context(Message.QUIESCE);
    }
    host.receive(1, List.of(new Envelope(GROUP, b.build())));
    drain();
  }

  private long clock() {
    CompletableFuture<Long> t = host.inspect(groups -> groups.get(GROUP).ticks());
    drain();
    return t.join();
  }

  private int active() {
    CompletableFuture<Integer> n = host.activeGroups();
    drain();
    return n.join();
  }

  /**
   * Opens a group in slot 0 and the one under test in slot 1, makes it a follower of node 1, and
   * runs whole ticks until it has been ticked a few times.
   */
  private void follow() {
    host.addGroup(1, RaftConfig.defaults(2));
    host.addGroup(GROUP, RaftConfig.defaults(2));
    drain();
    slice();
    heartbeat(false);
    slice();
    slice();
    slice();
  }

  /**
   * Quiesced by its leader's heartbeat before or after its slice ran in the tick, then woken by
   * another heartbeat some whole ticks later, before or after its slice ran in that one: its clock
   * counts exactly the slices of its slot it was not given.
   */
  @ParameterizedTest(name = "quiesced after its slice: {0}, woken after its slice: {1}")
  @CsvSource({"true, true", "true, false", "false, true", "false, false"})
  void aWokenFollowerIsGivenExactlyTheTicksItsSliceRanWhileItWasQuiesced(
      boolean quiescedAfterItsSlice, boolean wokenAfterItsSlice) {
    follow();
    slice(); // a whole tick begins: slot 0's slice
    if (quiescedAfterItsSlice) {
      slice();
    }
    long before = clock();
    int runsBefore = slotRuns;
    heartbeat(true);
    assertEquals(1, active(), "quiesced: only the other group is ticked");
    if (!quiescedAfterItsSlice) {
      slice();
    }
    for (int i = 0; i < 5; i++) {
      slice();
      slice();
    }
    slice();
    if (wokenAfterItsSlice) {
      slice();
    }
    int missed = slotRuns - runsBefore;
    heartbeat(false);
    assertEquals(2, active(), "woken");
    assertEquals(before + missed, clock(), missed + " slices of its slot ran without it");
  }
}
