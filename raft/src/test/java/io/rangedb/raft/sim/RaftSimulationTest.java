package io.rangedb.raft.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Deterministic simulation of a Raft group under faults, many seeds.
 *
 * <ul>
 *   <li>default: seeds 1..{@code raft.sim.seeds} (500);
 *   <li>{@code -Draft.sim.seed=S}: replays seed S alone, exactly;
 *   <li>{@code -Draft.sim.seconds=T} (or {@code -Psoak}): as many seeds as fit in T seconds,
 *       starting at {@code raft.sim.start} (default: 1,000,000).
 * </ul>
 */
class RaftSimulationTest {
  private static final long FAULT_MS = 6_000;
  private static final long SETTLE_MS = 4_000;
  private static final System.Logger LOG = System.getLogger(RaftSimulationTest.class.getName());

  static String replayCommand(long seed) {
    return "bin/mvn -pl raft test -Dtest=RaftSimulationTest -Draft.sim.seed=" + seed;
  }

  static String runSeed(long seed) {
    try {
      return new Simulation(seed).run(FAULT_MS, SETTLE_MS);
    } catch (AssertionError | RuntimeException e) {
      String msg =
          "simulation seed "
              + seed
              + " failed: "
              + e.getMessage()
              + "\n  replay with: "
              + replayCommand(seed);
      System.err.println(msg);
      throw new AssertionError(msg, e);
    }
  }

  @Test
  void seeds() {
    String one = System.getProperty("raft.sim.seed");
    if (one != null && !one.isBlank()) {
      String summary = runSeed(Long.parseLong(one.trim()));
      System.err.println(summary);
      return;
    }
    long seconds = Long.getLong("raft.sim.seconds", 0);
    long started = System.nanoTime();
    int ran = 0;
    if (seconds > 0) {
      long seed = Long.getLong("raft.sim.start", 1_000_000);
      while (System.nanoTime() - started < seconds * 1_000_000_000L) {
        runSeed(seed++);
        ran++;
      }
    } else {
      long count = Long.getLong("raft.sim.seeds", 500);
      for (long seed = 1; seed <= count; seed++) {
        runSeed(seed);
        ran++;
      }
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    String done = "simulation: " + ran + " seeds passed in " + millis + " ms";
    LOG.log(System.Logger.Level.INFO, done);
    System.err.println(done);
    assertTrue(ran > 0);
  }

  @Test
  void sameSeedReplaysExactly() {
    assertEquals(new Simulation(4242).run(2_000, 1_000), new Simulation(4242).run(2_000, 1_000));
  }
}
