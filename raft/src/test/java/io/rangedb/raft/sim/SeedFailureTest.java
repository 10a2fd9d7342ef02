package io.rangedb.raft.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class SeedFailureTest {
  @Test
  void aFailingSeedIsReportedWithTheCommandThatReplaysItAlone() {
    AssertionError cause = new AssertionError("election safety: 1 and 2 both lead term 7");
    AssertionError e =
        SeedFailure.of("simulation", 123, cause, RaftSimulationTest.replayCommand(123));
    assertSame(cause, e.getCause());
    assertEquals(
        "simulation seed 123 failed: election safety: 1 and 2 both lead term 7\n  replay with: "
            + "bin/mvn -pl raft test -Dtest=RaftSimulationTest -Draft.sim.seed=123",
        e.getMessage());
  }
}
